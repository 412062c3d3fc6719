// The API's ceiling on this machine: a bare node:http server, in a process of its own as the
// platform is, that does what any JSON API must (read the body, parse it, answer in JSON) and
// nothing else: no routing, no authentication, no storage. It answers a send/message body with
// an envelope shaped like Postal's. Prints its port, then serves until killed.
//
// With `--durable`, it also does the least a durable accept must: each body is appended to a
// file and the answer waits for an fdatasync that covers it, the bodies that arrive during one
// sync sharing the next (group commit). The disk's sync latency is then in its figures too.

import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const durable = process.argv.includes('--durable');
const log = durable ? await open(join(mkdtempSync(join(tmpdir(), 'bare-http-')), 'bodies'), 'a') : null;
let waiting: { body: Buffer; done: () => void }[] = [];
let syncing = false;

/** Resolves once `body` is on disk; bodies handed in during a sync go to disk together after it. */
function persist(body: Buffer): Promise<void> {
  return new Promise((resolve) => {
    waiting.push({ body, done: resolve });
    if (!syncing) void flush();
  });
}

async function flush(): Promise<void> {
  syncing = true;
  while (waiting.length > 0 && log) {
    const batch = waiting;
    waiting = [];
    await log.writev(batch.map((entry) => entry.body));
    await log.datasync();
    for (const entry of batch) entry.done();
  }
  syncing = false;
}

let next = 1;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    const started = performance.now();
    const received = Buffer.concat(chunks);
    const params = JSON.parse(received.toString('utf8')) as { to?: string[] };
    if (durable) await persist(received);
    const messages: Record<string, { id: number; token: string }> = {};
    for (const to of params.to ?? []) messages[to.toLowerCase()] = { id: next++, token: 'benchtoken' };
    const body = JSON.stringify({
      status: 'success',
      time: Math.round(performance.now() - started) / 1000,
      flags: {},
      data: { message_id: `${randomUUID()}@rp.postern.bench`, messages },
    });
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(body);
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
