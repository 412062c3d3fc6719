import type { Endpoint } from '../../http/endpoint.ts';
import listWebhookRequests from './list-webhook-requests.ts';
import getWebhookRequest from './get-webhook-request.ts';
import replayWebhookRequest from './replay-webhook-request.ts';
import testWebhook from './test-webhook.ts';

export const webhookRequestEndpoints: readonly Endpoint[] = [
  listWebhookRequests,
  getWebhookRequest,
  replayWebhookRequest,
  testWebhook,
];
