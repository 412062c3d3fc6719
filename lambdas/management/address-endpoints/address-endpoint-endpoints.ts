import type { Endpoint } from '../../http/endpoint.ts';
import listAddressEndpoints from './list-address-endpoints.ts';
import createAddressEndpoint from './create-address-endpoint.ts';
import getAddressEndpoint from './get-address-endpoint.ts';
import updateAddressEndpoint from './update-address-endpoint.ts';
import deleteAddressEndpoint from './delete-address-endpoint.ts';

export const addressEndpointEndpoints: readonly Endpoint[] = [
  listAddressEndpoints,
  createAddressEndpoint,
  getAddressEndpoint,
  updateAddressEndpoint,
  deleteAddressEndpoint,
];
