import { removeMember } from '../../../core/organizations/members.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgItemParams } from '../params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${ORG}/members/{uuid}`,
  summary: 'Remove a user from an organization (administrators only)',
  tag: 'Organizations',
  params: OrgItemParams,
  handle: ({ ctx, actor, params }) => removeMember(ctx, actor, params.org, params.uuid),
});
