// The ports core's capabilities depend on. Each declares only the members core calls, in plain
// types, so an adapter (core/local for the one-process shape, core/aws for the cloud) can be
// swapped without core knowing; each has a contract suite in test/core/ports/ that every adapter runs.

/** Wall-clock time in epoch milliseconds. Tests drive it by hand. */
export interface Clock {
  now(): number;
}

/** Identifiers: uuids and random tokens, and integer message ids leased from the database in blocks. */
export interface Ids {
  uuid(): string;
  /** `length` random characters from [a-z0-9] (lower: true) or [A-Za-z0-9]. */
  token(length: number, options?: { lower?: boolean }): string;
  /** Integer ids, unique across every process sharing the database; not necessarily consecutive. */
  messageId(): Promise<number>;
}

export interface BlobObject {
  body: Uint8Array;
  etag: string;
}

export interface BlobPutOptions {
  /** Write only if the stored object still has this etag (S3 If-Match). */
  ifMatch?: string;
  /** Write only if no object exists (S3 If-None-Match: *). */
  ifNoneMatch?: '*';
  contentType?: string;
}

/** Objects by key: raw messages, the policy snapshot. A put is durable when its promise resolves. */
export interface BlobStore {
  /** Resolves with the new etag, or null when a condition in `options` did not hold. */
  put(key: string, body: Uint8Array | string, options?: BlobPutOptions): Promise<{ etag: string } | null>;
  /** Resolves with null when absent, or 'not-modified' when `ifNoneMatch` equals the stored etag. */
  get(key: string, options?: { ifNoneMatch?: string }): Promise<BlobObject | 'not-modified' | null>;
  delete(key: string): Promise<void>;
}

export interface QueueMessage {
  id: string;
  body: string;
  receiptHandle: string;
  /** How many times this message has been received, this time included. */
  receiveCount: number;
  sentAt: number;
}

export interface QueueSendOptions {
  /** At most 900 s, as SQS; longer waits are visibility changes. */
  delaySeconds?: number;
  /**
   * The sender keeps a durable record of what it sends and sends it again from that record
   * after a crash of the machine, so the send may resolve before it is durable. A queue whose
   * every send is durable (SQS, a database that syncs each commit) ignores this; the local
   * SQLite queue then commits without waiting for its log's sync, which a crash of the process
   * cannot undo (the commit is in the system's cache), only one of the machine.
   */
  recoveredBySender?: boolean;
}

/**
 * At-least-once queues with SQS semantics: a received message is invisible for its visibility
 * timeout and comes back unless deleted; after its queue's maximum receives it moves to the
 * dead-letter queue instead of being delivered again.
 */
export interface Queue {
  send(queue: string, body: string, options?: QueueSendOptions): Promise<void>;
  sendBatch(queue: string, bodies: readonly string[], options?: QueueSendOptions): Promise<void>;
  receive(
    queue: string,
    options: { max: number; visibilityTimeoutSeconds?: number },
  ): Promise<QueueMessage[]>;
  /** At most 43,200 s (12 h), as SQS. */
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeoutSeconds: number): Promise<void>;
  delete(queue: string, receiptHandle: string): Promise<void>;
  depth(queue: string): Promise<QueueDepth>;
}

export interface QueueDepth {
  visible: number;
  inFlight: number;
  delayed: number;
}

export interface MxRecord {
  exchange: string;
  priority: number;
}

/** The slice of a DNS resolver core uses. Missing names and records resolve to empty lists. */
export interface Dns {
  mx(name: string): Promise<MxRecord[]>;
  txt(name: string): Promise<string[][]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
  cname(name: string): Promise<string[]>;
}

export type LogFields = Record<string, unknown>;

/** Structured logs. Adapters redact secrets and message bodies whatever the caller passes. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(tags: LogFields): Logger;
}

export interface SmtpTarget {
  host: string;
  port: number;
  /** Address to bind the outgoing connection to (from the IP pool). */
  localAddress?: string;
  /** HELO/EHLO name, the pool address's hostname. */
  name: string;
  tls: 'opportunistic' | 'required' | 'implicit' | 'none';
  auth?: { user: string; pass: string };
}

export interface SmtpEnvelope {
  from: string;
  to: string;
}

export type SmtpSendResult =
  | { status: 'sent'; response: string; secure: boolean }
  | { status: 'soft_fail' | 'hard_fail'; code: number | null; response: string; secure: boolean };

/** Hands one message to one remote host. */
export interface SmtpTransport {
  send(target: SmtpTarget, envelope: SmtpEnvelope, raw: Uint8Array): Promise<SmtpSendResult>;
}

export interface SigningKey {
  privateKeyPem: string;
  publicKeyPem: string;
  /** JWK thumbprint (RFC 7638), published as the key id. */
  kid: string;
}

/** Secrets at rest: DKIM private keys and the like are stored encrypted; plus the installation key. */
export interface Keys {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
  /** The installation's RSA key: webhook signatures, the return-path DKIM key. */
  signingKey(): Promise<SigningKey>;
}
