import { resolveServer } from '../../../core/management/scope.ts';
import { deleteSuppression } from '../../../core/suppressions/suppressions.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER } from '../params.ts';
import { SuppressionParams } from './suppression-params.ts';

export default defineEndpoint({
  method: 'DELETE',
  path: `${SERVER}/suppressions/{address}`,
  summary: 'Remove an address from the suppression list: mail to it is delivered again',
  tag: 'Suppressions',
  params: SuppressionParams,
  handle: async ({ ctx, actor, params }) =>
    deleteSuppression(ctx, await resolveServer(ctx, actor, params.org, params.server), params.address),
});
