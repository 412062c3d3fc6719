import type { Endpoint } from '../../http/endpoint.ts';
import listDomains from './list-domains.ts';
import createDomain from './create-domain.ts';
import getDomain from './get-domain.ts';
import updateDomain from './update-domain.ts';
import deleteDomain from './delete-domain.ts';
import verifyDomain from './verify-domain.ts';
import checkDomain from './check-domain.ts';
import listOrganizationDomains from './list-organization-domains.ts';
import createOrganizationDomain from './create-organization-domain.ts';
import getOrganizationDomain from './get-organization-domain.ts';
import deleteOrganizationDomain from './delete-organization-domain.ts';
import verifyOrganizationDomain from './verify-organization-domain.ts';
import checkOrganizationDomain from './check-organization-domain.ts';

/** A server's own domains, and its organization's (shared by all its servers). */
export const domainEndpoints: readonly Endpoint[] = [
  listDomains,
  createDomain,
  getDomain,
  updateDomain,
  deleteDomain,
  verifyDomain,
  checkDomain,
  listOrganizationDomains,
  createOrganizationDomain,
  getOrganizationDomain,
  deleteOrganizationDomain,
  verifyOrganizationDomain,
  checkOrganizationDomain,
];
