import {
  CreateOrganizationInput,
  OrganizationView,
} from '../../../core/organizations/organization-schemas.ts';
import { createOrganization } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${V1}/organizations`,
  summary: 'Create an organization (administrators only)',
  tag: 'Organizations',
  status: 201,
  body: CreateOrganizationInput,
  response: OrganizationView,
  handle: ({ ctx, actor, body }) => createOrganization(ctx, actor, body),
});
