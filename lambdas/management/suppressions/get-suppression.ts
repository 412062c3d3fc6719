import { resolveServer } from '../../../core/management/scope.ts';
import { SuppressionView } from '../../../core/suppressions/suppression-schemas.ts';
import { getSuppression } from '../../../core/suppressions/suppressions.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { SuppressionParams } from './suppression-params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/suppressions/{address}`,
  summary: 'The active suppression of one address',
  tag: 'Suppressions',
  params: SuppressionParams,
  response: SuppressionView,
  handle: async ({ ctx, actor, params }) =>
    getSuppression(ctx, await resolveServer(ctx, actor, params.org, params.server), params.address),
});
