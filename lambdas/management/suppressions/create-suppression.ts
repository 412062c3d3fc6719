import { resolveServer } from '../../../core/management/scope.ts';
import { CreateSuppressionInput, SuppressionView } from '../../../core/suppressions/suppression-schemas.ts';
import { createSuppression } from '../../../core/suppressions/suppressions.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'POST',
  path: `${SERVER}/suppressions`,
  summary:
    'Suppress an address: outgoing mail to it is held. Adding a listed address refreshes its reason and keep_until',
  tag: 'Suppressions',
  status: 201,
  params: ServerParams,
  body: CreateSuppressionInput,
  response: SuppressionView,
  handle: async ({ ctx, actor, params, body }) =>
    createSuppression(ctx, await resolveServer(ctx, actor, params.org, params.server), body),
});
