import {
  OrganizationView,
  UpdateOrganizationInput,
} from '../../../core/organizations/organization-schemas.ts';
import { updateOrganization } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { ORG, OrgParams } from '../params.ts';

export default defineEndpoint({
  method: 'PATCH',
  path: ORG,
  summary: "Change an organization's name or time zone",
  tag: 'Organizations',
  params: OrgParams,
  body: UpdateOrganizationInput,
  response: OrganizationView,
  handle: ({ ctx, actor, params, body }) => updateOrganization(ctx, actor, params.org, body),
});
