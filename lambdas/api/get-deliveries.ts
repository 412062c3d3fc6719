import { findMessage, listDeliveries } from '../../core/messages/message-details.ts';
import type { ApiAction } from './api-action.ts';
import { messageIdParam } from './api-params.ts';
import { messageNotFound } from './get-message.ts';

// POST /api/v1/messages/deliveries (reference/postal.md §2.4): the message's deliveries, oldest first.

export const getDeliveries: ApiAction = async ({ params, ctx, server }) => {
  const message = await findMessage(ctx, server.id, messageIdParam(params));
  if (!message) throw messageNotFound(params);
  return listDeliveries(ctx, message);
};
