import type { Endpoint } from '../../http/endpoint.ts';
import listSmtpEndpoints from './list-smtp-endpoints.ts';
import createSmtpEndpoint from './create-smtp-endpoint.ts';
import getSmtpEndpoint from './get-smtp-endpoint.ts';
import updateSmtpEndpoint from './update-smtp-endpoint.ts';
import deleteSmtpEndpoint from './delete-smtp-endpoint.ts';

export const smtpEndpointEndpoints: readonly Endpoint[] = [
  listSmtpEndpoints,
  createSmtpEndpoint,
  getSmtpEndpoint,
  updateSmtpEndpoint,
  deleteSmtpEndpoint,
];
