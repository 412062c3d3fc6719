import { PageQuery, pageOf } from '../../../core/management/pagination.ts';
import { OrganizationView } from '../../../core/organizations/organization-schemas.ts';
import { listOrganizations } from '../../../core/organizations/organizations.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { V1 } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${V1}/organizations`,
  summary: 'The organizations you belong to (all of them for administrators)',
  tag: 'Organizations',
  query: PageQuery,
  response: pageOf(OrganizationView),
  handle: ({ ctx, actor, query }) => listOrganizations(ctx, actor, query),
});
