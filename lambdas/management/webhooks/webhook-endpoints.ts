import type { Endpoint } from '../../http/endpoint.ts';
import listWebhooks from './list-webhooks.ts';
import createWebhook from './create-webhook.ts';
import getWebhook from './get-webhook.ts';
import updateWebhook from './update-webhook.ts';
import deleteWebhook from './delete-webhook.ts';

export const webhookEndpoints: readonly Endpoint[] = [
  listWebhooks,
  createWebhook,
  getWebhook,
  updateWebhook,
  deleteWebhook,
];
