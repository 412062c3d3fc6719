import type { Endpoint } from '../../http/endpoint.ts';
import listCredentials from './list-credentials.ts';
import createCredential from './create-credential.ts';
import getCredential from './get-credential.ts';
import updateCredential from './update-credential.ts';
import deleteCredential from './delete-credential.ts';

export const credentialEndpoints: readonly Endpoint[] = [
  listCredentials,
  createCredential,
  getCredential,
  updateCredential,
  deleteCredential,
];
