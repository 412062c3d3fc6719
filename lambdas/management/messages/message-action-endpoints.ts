import { actOnMessage, actOnMessages } from '../../../core/messages/message-actions.ts';
import { BulkActionResult, MessageFilter, MessageView } from '../../../core/messages/message-schemas.ts';
import { resolveServer } from '../../../core/management/scope.ts';
import { defineEndpoint, type Endpoint } from '../../http/endpoint.ts';
import { SERVER, ServerParams } from '../params.ts';
import { MessageParams } from './message-params.ts';

// The three actions on messages, each for one message and in bulk by filter: one table instead
// of six files that would differ only in a word.
const actions = [
  {
    slug: 'release',
    action: 'release',
    one: 'Release a held message: it is processed again and, unless something else holds it, delivered',
    many: 'Release every held message matching the filter (up to 10,000 per call)',
  },
  {
    slug: 'cancel-hold',
    action: 'cancel_hold',
    one: 'Cancel the hold of a held message; it will not be sent',
    many: 'Cancel the hold of every held message matching the filter (up to 10,000 per call)',
  },
  {
    slug: 'retry',
    action: 'retry',
    one: 'Send a sent or failed message again, now',
    many: 'Send again every sent or failed message matching the filter (up to 10,000 per call)',
  },
] as const;

export const messageActionEndpoints: readonly Endpoint[] = actions.flatMap(({ slug, action, one, many }) => [
  defineEndpoint({
    method: 'POST',
    path: `${SERVER}/messages/{id}/${slug}`,
    summary: one,
    tag: 'Messages',
    params: MessageParams,
    response: MessageView,
    handle: async ({ ctx, actor, params }) =>
      actOnMessage(ctx, await resolveServer(ctx, actor, params.org, params.server), params.id, action),
  }),
  defineEndpoint({
    method: 'POST',
    path: `${SERVER}/messages/${slug}`,
    summary: many,
    tag: 'Messages',
    params: ServerParams,
    body: MessageFilter,
    response: BulkActionResult,
    handle: async ({ ctx, actor, params, body }) =>
      actOnMessages(ctx, await resolveServer(ctx, actor, params.org, params.server), body, action),
  }),
]);
