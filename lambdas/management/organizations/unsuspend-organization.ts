import { OrganizationView } from '../../../core/organizations/organization-schemas.ts';
import { suspendOrganization } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/unsuspend`,
  summary: 'Lift the suspension of an organization (administrators only)',
  tag: 'Organizations',
  params: OrgParams,
  response: OrganizationView,
  handle: ({ ctx, actor, params }) => suspendOrganization(ctx, actor, params.org, null),
});
