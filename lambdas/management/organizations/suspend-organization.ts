import { OrganizationView, SuspendInput } from '../../../core/organizations/organization-schemas.ts';
import { suspendOrganization } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${ORG}/suspend`,
  summary: "Suspend an organization: all its servers' mail is held (administrators only)",
  tag: 'Organizations',
  params: OrgParams,
  body: SuspendInput,
  response: OrganizationView,
  handle: ({ ctx, actor, params, body }) => suspendOrganization(ctx, actor, params.org, body),
});
