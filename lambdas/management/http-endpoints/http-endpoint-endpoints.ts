import type { Endpoint } from '../../http/endpoint.ts';
import listHttpEndpoints from './list-http-endpoints.ts';
import createHttpEndpoint from './create-http-endpoint.ts';
import getHttpEndpoint from './get-http-endpoint.ts';
import updateHttpEndpoint from './update-http-endpoint.ts';
import deleteHttpEndpoint from './delete-http-endpoint.ts';

export const httpEndpointEndpoints: readonly Endpoint[] = [
  listHttpEndpoints,
  createHttpEndpoint,
  getHttpEndpoint,
  updateHttpEndpoint,
  deleteHttpEndpoint,
];
