import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Queue } from '../../core/ports.ts';
import type { DeliveryWorkerStats } from '../../smtp-edge/delivery/delivery-worker.ts';
import type { LocalRoute } from './http-server.ts';

// Pages only the local shape serves itself: in the cloud, /health and /metrics belong to the
// load balancer and CloudWatch, and the SPA to CloudFront.

export function healthRoute(check: () => Promise<boolean>): LocalRoute {
  return async (request, response) => {
    if (request.method !== 'GET' || request.url !== '/health') return false;
    const ok = await check().catch(() => false);
    response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
    return true;
  };
}

export interface MetricsSource {
  queue: Queue;
  queues: readonly string[];
  snapshotVersion: () => number | null;
  delivery: () => DeliveryWorkerStats[];
  startedAt: number;
}

export function metricsRoute(source: MetricsSource): LocalRoute {
  return async (request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') return false;
    const lines = [
      '# HELP postern_queue_messages Messages in each queue by state.',
      '# TYPE postern_queue_messages gauge',
    ];
    for (const name of source.queues) {
      const depth = await source.queue.depth(name);
      for (const [state, count] of Object.entries(depth)) {
        lines.push(`postern_queue_messages{queue="${name}",state="${state}"} ${count}`);
      }
    }
    lines.push(...deliveryMetrics(source.delivery()));
    const memory = process.memoryUsage();
    lines.push(
      '# HELP postern_policy_snapshot_version Version of the policy snapshot the SMTP edge uses.',
      '# TYPE postern_policy_snapshot_version gauge',
      `postern_policy_snapshot_version ${source.snapshotVersion() ?? 0}`,
      '# HELP process_resident_memory_bytes Resident memory size in bytes.',
      '# TYPE process_resident_memory_bytes gauge',
      `process_resident_memory_bytes ${memory.rss}`,
      '# HELP process_start_time_seconds Start time of the process since the epoch in seconds.',
      '# TYPE process_start_time_seconds gauge',
      `process_start_time_seconds ${Math.floor(source.startedAt / 1000)}`,
    );
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(`${lines.join('\n')}\n`);
    return true;
  };
}

function deliveryMetrics(workers: readonly DeliveryWorkerStats[]): string[] {
  const lines = [
    '# HELP postern_delivery_jobs Delivery jobs a worker holds, and those of them still waiting for a destination slot.',
    '# TYPE postern_delivery_jobs gauge',
  ];
  for (const { queue, inHand, waitingForSlot } of workers) {
    lines.push(
      `postern_delivery_jobs{queue="${queue}",state="inHand"} ${inHand}`,
      `postern_delivery_jobs{queue="${queue}",state="waitingForSlot"} ${waitingForSlot}`,
    );
  }
  lines.push(
    '# HELP postern_delivery_jobs_deferred_total Delivery jobs put back on the queue for later, by reason.',
    '# TYPE postern_delivery_jobs_deferred_total counter',
  );
  for (const { queue, deferred } of workers) {
    for (const [reason, count] of Object.entries(deferred)) {
      lines.push(`postern_delivery_jobs_deferred_total{queue="${queue}",reason="${reason}"} ${count}`);
    }
  }
  return lines;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serves the built admin SPA (web/dist) for GET requests outside the API paths. */
export function spaRoute(root: string): LocalRoute {
  return async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (/^\/(api|management|\.well-known)\//.test(path)) return false;
    const index = join(root, 'index.html');
    if (!existsSync(index)) return false;
    const candidate = normalize(join(root, decodeURIComponent(path)));
    const file =
      candidate.startsWith(root) && existsSync(candidate) && statSync(candidate).isFile() ? candidate : index;
    response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream' });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
    return true;
  };
}
