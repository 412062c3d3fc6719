import { z } from 'zod';
import { resolveServer } from '../../../core/management/scope.ts';
import { exportSuppressions } from '../../../core/suppressions/suppressions.ts';
import { defineEndpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';

export default defineEndpoint({
  method: 'GET',
  path: `${SERVER}/suppressions/export`,
  summary: 'Every active entry as CSV: address,reason,source,timestamp,keep_until',
  tag: 'Suppressions',
  params: ServerParams,
  response: z.string(),
  contentType: 'text/csv; charset=utf-8',
  handle: async ({ ctx, actor, params }) =>
    exportSuppressions(ctx, await resolveServer(ctx, actor, params.org, params.server)),
});
