import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

// The one schema for SQLite, MySQL/MariaDB and Aurora MySQL. Conventions (ARCHITECTURE.md):
// ids BIGINT, times BIGINT epoch milliseconds UTC, booleans 0/1, JSON as TEXT. Every row of a
// mail server carries server_id: one database for all servers, unlike Postal's database per server.

type Bool = number;
type Millis = number;
type Id = Generated<number>;

export interface UsersTable {
  id: Id;
  uuid: string;
  email: string;
  first_name: string;
  last_name: string;
  password_hash: string;
  admin: Bool;
  time_zone: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface SessionsTable {
  id: Id;
  user_id: number;
  token_hash: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: Millis;
  last_used_at: Millis;
  expires_at: Millis;
}

export interface PersonalAccessTokensTable {
  id: Id;
  uuid: string;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  last_used_at: Millis | null;
  expires_at: Millis | null;
  created_at: Millis;
}

/** Failure counters for login and SMTP AUTH, per address and per account. */
export interface AuthThrottlesTable {
  throttle_key: string;
  failures: number;
  window_started_at: Millis;
  blocked_until: Millis | null;
}

export interface OrganizationsTable {
  id: Id;
  uuid: string;
  name: string;
  permalink: string;
  time_zone: string;
  owner_id: number | null;
  suspended_at: Millis | null;
  suspension_reason: string | null;
  deleted_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface OrganizationUsersTable {
  organization_id: number;
  user_id: number;
  role: 'admin' | 'member';
  created_at: Millis;
}

export interface IpPoolsTable {
  id: Id;
  uuid: string;
  name: string;
  is_default: Bool;
  created_at: Millis;
  updated_at: Millis;
}

export interface IpAddressesTable {
  id: Id;
  ip_pool_id: number;
  ipv4: string | null;
  ipv6: string | null;
  hostname: string;
  priority: number;
  created_at: Millis;
}

export interface OrganizationIpPoolsTable {
  organization_id: number;
  ip_pool_id: number;
}

export interface IpPoolRulesTable {
  id: Id;
  uuid: string;
  organization_id: number;
  /** null for a rule of the organization, set for a rule of one server. */
  server_id: number | null;
  ip_pool_id: number;
  from_text: string;
  to_text: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface ServersTable {
  id: Id;
  uuid: string;
  organization_id: number;
  name: string;
  permalink: string;
  mode: 'Live' | 'Development';
  ip_pool_id: number | null;
  token: string;
  send_limit: number | null;
  message_retention_days: number | null;
  raw_message_retention_days: number | null;
  raw_message_retention_size: number | null;
  allow_sender: Bool;
  spam_threshold: number;
  spam_failure_threshold: number;
  outbound_spam_threshold: number | null;
  postmaster_address: string | null;
  log_smtp_data: Bool;
  privacy_mode: Bool;
  suspended_at: Millis | null;
  suspension_reason: string | null;
  send_limit_approaching_at: Millis | null;
  send_limit_approaching_notified_at: Millis | null;
  send_limit_exceeded_at: Millis | null;
  send_limit_exceeded_notified_at: Millis | null;
  deleted_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export type DnsCheckStatus = 'OK' | 'Missing' | 'Invalid';

export interface DomainsTable {
  id: Id;
  uuid: string;
  organization_id: number;
  /** null for an organization-level domain, usable by all the organization's servers. */
  server_id: number | null;
  /** `o:<org id>` or `s:<server id>`: one name per owner, portable where NULLs are distinct in unique keys. */
  owner_key: string;
  name: string;
  verification_method: 'DNS' | 'Email';
  verification_token: string;
  verified_at: Millis | null;
  dkim_private_key: string;
  dkim_identifier_string: string;
  use_for_any: Bool;
  spf_status: DnsCheckStatus | null;
  spf_error: string | null;
  dkim_status: DnsCheckStatus | null;
  dkim_error: string | null;
  mx_status: DnsCheckStatus | null;
  mx_error: string | null;
  return_path_status: DnsCheckStatus | null;
  return_path_error: string | null;
  dns_checked_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface CredentialsTable {
  id: Id;
  uuid: string;
  server_id: number;
  type: 'API' | 'SMTP' | 'SMTP-IP';
  name: string;
  /** SHA-256 hex of the key, for API and SMTP; null for SMTP-IP. */
  key_hash: string | null;
  /** The first characters of the key, shown to identify it. */
  key_prefix: string | null;
  /** The address or CIDR of an SMTP-IP credential. */
  network: string | null;
  hold: Bool;
  last_used_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export type EndpointType = 'http' | 'smtp' | 'address';

export interface RoutesTable {
  id: Id;
  uuid: string;
  server_id: number;
  domain_id: number | null;
  name: string;
  mode: 'Endpoint' | 'Accept' | 'Hold' | 'Bounce' | 'Reject';
  spam_mode: 'Mark' | 'Quarantine' | 'Fail';
  endpoint_type: EndpointType | null;
  endpoint_id: number | null;
  token: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface RouteEndpointsTable {
  id: Id;
  route_id: number;
  endpoint_type: EndpointType;
  endpoint_id: number;
}

export interface HttpEndpointsTable {
  id: Id;
  uuid: string;
  server_id: number;
  name: string;
  url: string;
  encoding: 'BodyAsJSON' | 'FormData';
  format: 'Hash' | 'RawMessage';
  strip_replies: Bool;
  include_attachments: Bool;
  timeout_seconds: number;
  last_used_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface SmtpEndpointsTable {
  id: Id;
  uuid: string;
  server_id: number;
  name: string;
  hostname: string;
  port: number;
  ssl_mode: 'None' | 'Auto' | 'STARTTLS' | 'TLS';
  last_used_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface AddressEndpointsTable {
  id: Id;
  uuid: string;
  server_id: number;
  address: string;
  last_used_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface WebhooksTable {
  id: Id;
  uuid: string;
  server_id: number;
  name: string;
  url: string;
  enabled: Bool;
  all_events: Bool;
  last_used_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface WebhookEventsTable {
  webhook_id: number;
  event: string;
}

export interface TrackDomainsTable {
  id: Id;
  uuid: string;
  server_id: number;
  domain_id: number;
  name: string;
  dns_status: DnsCheckStatus | null;
  dns_error: string | null;
  dns_checked_at: Millis | null;
  ssl_enabled: Bool;
  track_clicks: Bool;
  track_loads: Bool;
  excluded_click_domains: string;
  created_at: Millis;
  updated_at: Millis;
}

export type MessageStatus =
  'Pending' | 'Sent' | 'SoftFail' | 'HardFail' | 'Held' | 'Bounced' | 'Processed' | 'HoldCancelled' | 'Error';

export interface MessagesTable {
  /** Leased from id_blocks by the accepting process, not auto-incremented. */
  id: number;
  server_id: number;
  token: string;
  scope: 'incoming' | 'outgoing';
  rcpt_to: string;
  mail_from: string;
  subject: string | null;
  message_id: string | null;
  timestamp: Millis;
  route_id: number | null;
  domain_id: number | null;
  credential_id: number | null;
  endpoint_type: EndpointType | null;
  endpoint_id: number | null;
  status: MessageStatus;
  held: Bool;
  hold_expiry: Millis | null;
  size: number | null;
  /** Blob store key of the raw message; null once retention has removed it. */
  raw_key: string | null;
  last_delivery_attempt: Millis | null;
  inspected: Bool;
  spam: Bool;
  spam_score: number;
  threat: Bool;
  threat_details: string | null;
  bounce: Bool;
  bounce_for_id: number | null;
  tag: string | null;
  loaded_at: Millis | null;
  clicked_at: Millis | null;
  received_with_ssl: Bool;
  /** Delivery attempts handed to the delivery worker so far; a job for attempt n runs once. */
  attempt: number;
  tracked_links: number;
  tracked_images: number;
  parsed: Bool;
}

export interface DeliveriesTable {
  id: Id;
  server_id: number;
  message_id: number;
  /** The delivery attempt a result belongs to; null for holds and other statuses. */
  attempt: number | null;
  status: MessageStatus;
  details: string | null;
  output: string | null;
  sent_with_ssl: Bool;
  log_id: string | null;
  timestamp: Millis;
  /** Duration of the attempt in milliseconds. */
  duration_ms: number | null;
}

export interface LinksTable {
  id: Id;
  server_id: number;
  message_id: number;
  token: string;
  hash: string;
  url: string;
  timestamp: Millis;
}

export interface ClicksTable {
  id: Id;
  server_id: number;
  message_id: number;
  link_id: number;
  ip_address: string | null;
  user_agent: string | null;
  timestamp: Millis;
}

export interface LoadsTable {
  id: Id;
  server_id: number;
  message_id: number;
  ip_address: string | null;
  user_agent: string | null;
  timestamp: Millis;
}

export interface SpamChecksTable {
  id: Id;
  server_id: number;
  message_id: number;
  score: number;
  code: string;
  description: string | null;
}

export interface SuppressionsTable {
  id: Id;
  server_id: number;
  type: 'recipient';
  address: string;
  reason: string;
  /** 'automatic' entries come from delivery results; 'manual' ones from the management API. */
  source: 'automatic' | 'manual';
  timestamp: Millis;
  keep_until: Millis | null;
}

/** One row per webhook delivery attempt: the history shown and replayed through the management API. */
export interface WebhookRequestsTable {
  id: Id;
  uuid: string;
  server_id: number;
  webhook_id: number;
  /** The uuid of the event, the same across retries, for receivers' idempotency. */
  event_uuid: string;
  event: string;
  url: string;
  payload: string;
  attempt: number;
  status_code: number | null;
  response_body: string | null;
  error: string | null;
  will_retry: Bool;
  timestamp: Millis;
}

export interface StatsTable {
  id: Id;
  server_id: number;
  /** Start of the hour or day, epoch milliseconds UTC. */
  time: Millis;
  incoming: number;
  outgoing: number;
  spam: number;
  bounces: number;
  held: number;
}

export interface LiveStatsTable {
  server_id: number;
  type: 'incoming' | 'outgoing';
  /** Epoch minute (milliseconds / 60,000). */
  minute: number;
  count: number;
}

export interface AuditLogTable {
  id: Id;
  uuid: string;
  actor_user_id: number | null;
  actor_description: string;
  organization_id: number | null;
  server_id: number | null;
  action: string;
  resource_type: string;
  resource_uuid: string | null;
  changes: string | null;
  ip_address: string | null;
  timestamp: Millis;
}

/** hi/lo id leasing: each accepting process takes a block of ids at once. */
export interface IdBlocksTable {
  name: string;
  next_value: number;
}

export interface QueueMessagesTable {
  id: Id;
  queue: string;
  body: string;
  visible_at: Millis;
  receive_count: number;
  receipt_handle: string | null;
  sent_at: Millis;
}

/** A single row: the version the next policy snapshot must carry. */
export interface PolicyStateTable {
  id: number;
  version: number;
  changed_at: Millis;
}

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  personal_access_tokens: PersonalAccessTokensTable;
  auth_throttles: AuthThrottlesTable;
  organizations: OrganizationsTable;
  organization_users: OrganizationUsersTable;
  ip_pools: IpPoolsTable;
  ip_addresses: IpAddressesTable;
  organization_ip_pools: OrganizationIpPoolsTable;
  ip_pool_rules: IpPoolRulesTable;
  servers: ServersTable;
  domains: DomainsTable;
  credentials: CredentialsTable;
  routes: RoutesTable;
  route_endpoints: RouteEndpointsTable;
  http_endpoints: HttpEndpointsTable;
  smtp_endpoints: SmtpEndpointsTable;
  address_endpoints: AddressEndpointsTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  track_domains: TrackDomainsTable;
  messages: MessagesTable;
  deliveries: DeliveriesTable;
  links: LinksTable;
  clicks: ClicksTable;
  loads: LoadsTable;
  spam_checks: SpamChecksTable;
  suppressions: SuppressionsTable;
  webhook_requests: WebhookRequestsTable;
  stats_hourly: StatsTable;
  stats_daily: StatsTable;
  live_stats: LiveStatsTable;
  audit_log: AuditLogTable;
  id_blocks: IdBlocksTable;
  queue_messages: QueueMessagesTable;
  policy_state: PolicyStateTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type RowUpdate<T extends keyof Database> = Updateable<Database[T]>;
