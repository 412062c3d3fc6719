import { DnsCache } from '../core/delivery/dns-cache.ts';
import { SnapshotReader } from '../core/policy/snapshot-reader.ts';
import type { BlobStore, Clock, Dns, Ids, Logger, Queue } from '../core/ports.ts';
import { deliveryQueueName } from '../core/delivery/delivery-job.ts';
import { NodemailerTransport } from './delivery/nodemailer-transport.ts';
import {
  parseSmtpRelays,
  startDeliveryWorker,
  type DeliveryWorkerStats,
} from './delivery/delivery-worker.ts';
import { AuthThrottle } from './auth-throttle.ts';
import { createMessageAcceptor } from './message-acceptor.ts';
import { startSmtpListener, type SmtpListener } from './smtp-listener.ts';
import { loadTlsCertificate, type TlsMaterial } from './tls-certificate.ts';

// The SMTP edge as one unit: the policy snapshot reader, the acceptor, and two listeners (STARTTLS
// on 25/587, implicit TLS on 465) sharing both. The local runtime calls this with the local
// adapters; the Fargate entry point will call it with the AWS ones. No database anywhere here.

export interface EdgeOptions {
  blobs: BlobStore;
  queue: Queue;
  ids: Ids;
  clock: Clock;
  logger: Logger;
  host: string;
  /** 0 picks free ports; the edge reports the ones it got. */
  ports: { smtp: number; smtps: number };
  hostname: string;
  /** Key and certificate, or where to find or keep them (see loadTlsCertificate). */
  tls: TlsMaterial | { certFile?: string; keyFile?: string; cacheDir: string };
  /** Connections arrive through a load balancer that sends PROXY v1 or v2 headers. */
  proxyProtocol?: boolean;
  maxSize?: number;
  /** How often the snapshot is re-read from the blob store; 5,000 ms by default. */
  snapshotIntervalMs?: number;
  /** A reader shared with the rest of the process (the local runtime's send API); the edge then neither starts nor stops it. */
  reader?: SnapshotReader;
  reverseLookup?: (ip: string) => Promise<string[]>;
  closeTimeoutMs?: number;
  /** The delivery workers, one per IP pool this edge sends for; none when absent. */
  delivery?: EdgeDeliveryOptions;
  /** Called as each message starts to arrive over SMTP (DATA). */
  onMessage?: () => void;
}

export interface EdgeDeliveryOptions {
  pools: readonly string[];
  dns: Dns;
  /** POSTERN_SMTP_RELAYS, as given. */
  relays: readonly string[];
  deliveryPort: number;
  allowPrivateTargets: boolean;
  /** How long a delivery job stays invisible while its attempt runs (renewed meanwhile); the queue's own when absent. */
  visibilityTimeoutSeconds?: number;
  /** The local queue's wake-up on send; the cloud polls. */
  onSend?: (listener: (queue: string) => void) => () => void;
}

export interface Edge {
  ports: { smtp: number; smtps: number };
  /** Hands the edge a snapshot written in this process, so it applies at once. */
  offerSnapshot(snapshot: unknown): boolean;
  /** Each delivery worker's jobs in hand and deferrals; none without delivery. */
  deliveryStats(): DeliveryWorkerStats[];
  close(): Promise<void>;
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const { blobs, queue, ids, clock, hostname } = options;
  const logger = options.logger.child({ component: 'smtp-edge' });
  const tls =
    'key' in options.tls
      ? options.tls
      : await loadTlsCertificate({ ...options.tls, hostname, now: clock.now() });
  const ownReader = !options.reader;
  const reader =
    options.reader ?? new SnapshotReader({ blobs, logger, intervalMs: options.snapshotIntervalMs });
  if (ownReader) await reader.start();
  const accept = createMessageAcceptor({ blobs, queue, ids, clock, logger });
  const shared = {
    host: options.host,
    tls,
    hostname,
    index: () => reader.current(),
    accept,
    logger,
    clock,
    throttle: new AuthThrottle({ clock }),
    proxyProtocol: options.proxyProtocol,
    maxSize: options.maxSize,
    reverseLookup: options.reverseLookup,
    closeTimeoutMs: options.closeTimeoutMs,
    onMessage: options.onMessage,
  };
  const listeners: SmtpListener[] = [];
  try {
    listeners.push(await startSmtpListener({ ...shared, port: options.ports.smtp, secure: false }));
    listeners.push(await startSmtpListener({ ...shared, port: options.ports.smtps, secure: true }));
  } catch (error) {
    await Promise.all(listeners.map((listener) => listener.close()));
    if (ownReader) reader.stop();
    throw error;
  }
  const [smtp, smtps] = listeners as [SmtpListener, SmtpListener];
  const delivery = options.delivery ? startDelivery(options, options.delivery, logger) : null;
  return {
    ports: { smtp: smtp.port, smtps: smtps.port },
    offerSnapshot: (snapshot) => reader.offer(snapshot),
    deliveryStats: () => delivery?.stats() ?? [],
    async close() {
      // Stop taking mail first; then let deliveries in flight finish.
      await Promise.all(listeners.map((listener) => listener.close()));
      await delivery?.stop();
      if (ownReader) reader.stop();
    },
  };
}

function startDelivery(options: EdgeOptions, delivery: EdgeDeliveryOptions, logger: Logger) {
  const transport = new NodemailerTransport({ logger });
  const relays = parseSmtpRelays(delivery.relays);
  const dns = new DnsCache(delivery.dns, options.clock);
  const workers = delivery.pools.map((pool) =>
    startDeliveryWorker({
      queue: options.queue,
      queueName: deliveryQueueName(pool),
      blobs: options.blobs,
      dns,
      transport,
      clock: options.clock,
      logger: logger.child({ pool }),
      relays,
      deliveryPort: delivery.deliveryPort,
      allowPrivateTargets: delivery.allowPrivateTargets,
      visibilityTimeoutSeconds: delivery.visibilityTimeoutSeconds,
      onSend: delivery.onSend,
    }),
  );
  return {
    stats: () => workers.map((worker) => worker.stats()),
    async stop() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await transport.close();
    },
  };
}
