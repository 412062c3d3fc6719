import { OrganizationView } from '../../../core/organizations/organization-schemas.ts';
import { getOrganization } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: ORG,
  summary: 'One organization',
  tag: 'Organizations',
  params: OrgParams,
  response: OrganizationView,
  handle: ({ ctx, actor, params }) => getOrganization(ctx, actor, params.org),
});
