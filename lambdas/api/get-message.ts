import {
  EXPANSIONS,
  describeMessage,
  findMessage,
  type Expansion,
} from '../../core/messages/message-details.ts';
import type { ApiAction } from './api-action.ts';
import { messageIdParam, type ApiParams } from './api-params.ts';
import { PostalApiError } from './postal-envelope.ts';

// POST /api/v1/messages/message (reference/postal.md §2.3): `{id, token}` and the expansions
// asked for; Pending from the accepted pointer until ingest has written the row.

export const getMessage: ApiAction = async ({ params, ctx, server }) => {
  const message = await findMessage(ctx, server.id, messageIdParam(params));
  if (!message) throw messageNotFound(params);
  return describeMessage(ctx, message, expansionsOf(params._expansions));
};

/** `true` for all of them, or an array of names; anything else asks for none. */
function expansionsOf(value: unknown): Set<Expansion> {
  if (value === true) return new Set(EXPANSIONS);
  if (!Array.isArray(value)) return new Set();
  return new Set(EXPANSIONS.filter((name) => value.includes(name)));
}

export function messageNotFound(params: ApiParams): PostalApiError {
  return new PostalApiError('MessageNotFound', {
    message: 'No message found matching provided ID',
    id: params.id,
  });
}
