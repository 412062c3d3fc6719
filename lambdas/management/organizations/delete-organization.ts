import { deleteOrganization } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: ORG,
  summary:
    'Delete an organization and its servers; their data is purged in the background (administrators only)',
  tag: 'Organizations',
  params: OrgParams,
  handle: ({ ctx, actor, params }) => deleteOrganization(ctx, actor, params.org),
});
