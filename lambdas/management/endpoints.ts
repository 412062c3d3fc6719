import type { Endpoint } from '../http/endpoint.ts';
import createSession from './sessions/create-session.ts';
import deleteSession from './sessions/delete-session.ts';
import getMe from './me/get-me.ts';
import updateMe from './me/update-me.ts';
import listTokens from './tokens/list-tokens.ts';
import createToken from './tokens/create-token.ts';
import deleteToken from './tokens/delete-token.ts';
import listUsers from './users/list-users.ts';
import createUser from './users/create-user.ts';
import getUser from './users/get-user.ts';
import updateUser from './users/update-user.ts';
import deleteUser from './users/delete-user.ts';
import listOrganizations from './organizations/list-organizations.ts';
import createOrganization from './organizations/create-organization.ts';
import getOrganization from './organizations/get-organization.ts';
import updateOrganization from './organizations/update-organization.ts';
import deleteOrganization from './organizations/delete-organization.ts';
import suspendOrganization from './organizations/suspend-organization.ts';
import unsuspendOrganization from './organizations/unsuspend-organization.ts';
import listMembers from './organizations/list-members.ts';
import addMember from './organizations/add-member.ts';
import removeMember from './organizations/remove-member.ts';
import listServers from './servers/list-servers.ts';
import createServer from './servers/create-server.ts';
import getServer from './servers/get-server.ts';
import updateServer from './servers/update-server.ts';
import deleteServer from './servers/delete-server.ts';
import suspendServer from './servers/suspend-server.ts';
import unsuspendServer from './servers/unsuspend-server.ts';
import { credentialEndpoints } from './credentials/credential-endpoints.ts';
import { domainEndpoints } from './domains/domain-endpoints.ts';
import { trackDomainEndpoints } from './track-domains/track-domain-endpoints.ts';
import { routeEndpoints } from './routes/route-endpoints.ts';
import { httpEndpointEndpoints } from './http-endpoints/http-endpoint-endpoints.ts';
import { smtpEndpointEndpoints } from './smtp-endpoints/smtp-endpoint-endpoints.ts';
import { addressEndpointEndpoints } from './address-endpoints/address-endpoint-endpoints.ts';
import { webhookEndpoints } from './webhooks/webhook-endpoints.ts';
import { suppressionEndpoints } from './suppressions/suppression-endpoints.ts';
import { ipPoolEndpoints } from './ip-pools/ip-pool-endpoints.ts';
import { ipPoolRuleEndpoints } from './ip-pool-rules/ip-pool-rule-endpoints.ts';
import { auditLogEndpoints } from './audit-log/audit-log-endpoints.ts';
import { webhookRequestEndpoints } from './webhook-requests/webhook-request-endpoints.ts';
import { messageEndpoints } from './messages/message-endpoints.ts';

/** Every management endpoint; the router and the OpenAPI document are built from this list. */
export const managementEndpoints: readonly Endpoint[] = [
  createSession,
  deleteSession,
  getMe,
  updateMe,
  listTokens,
  createToken,
  deleteToken,
  listUsers,
  createUser,
  getUser,
  updateUser,
  deleteUser,
  listOrganizations,
  createOrganization,
  getOrganization,
  updateOrganization,
  deleteOrganization,
  suspendOrganization,
  unsuspendOrganization,
  listMembers,
  addMember,
  removeMember,
  listServers,
  createServer,
  getServer,
  updateServer,
  deleteServer,
  suspendServer,
  unsuspendServer,
  ...credentialEndpoints,
  ...domainEndpoints,
  ...trackDomainEndpoints,
  ...routeEndpoints,
  ...httpEndpointEndpoints,
  ...smtpEndpointEndpoints,
  ...addressEndpointEndpoints,
  ...webhookEndpoints,
  ...suppressionEndpoints,
  ...ipPoolEndpoints,
  ...ipPoolRuleEndpoints,
  ...auditLogEndpoints,
  ...webhookRequestEndpoints,
  ...messageEndpoints,
];
