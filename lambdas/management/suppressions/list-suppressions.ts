import { pageOf } from '../../../core/management/pagination.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { SuppressionQuery, SuppressionView } from '../../../core/suppressions/suppression-schemas.ts';
import { listSuppressions } from '../../../core/suppressions/suppressions.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/suppressions`,
  summary: "A server's active suppression list, newest first; `address` filters by a part of the address",
  tag: 'Suppressions',
  params: ServerParams,
  query: SuppressionQuery,
  response: pageOf(SuppressionView),
  handle: async ({ ctx, actor, params, query }) =>
    listSuppressions(ctx, await resolveServer(ctx, actor, params.org, params.server), query),
});
