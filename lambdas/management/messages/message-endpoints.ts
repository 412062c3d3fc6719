import type { Endpoint } from '../../http/endpoint.ts';
import listMessages from './list-messages.ts';
import getMessage from './get-message.ts';
import { messageActionEndpoints } from './message-action-endpoints.ts';

export const messageEndpoints: readonly Endpoint[] = [listMessages, getMessage, ...messageActionEndpoints];
