// The API's ceiling on this machine: a bare node:http server, in a process of its own as the
// platform is, that does what any JSON API must (read the body, parse it, answer in JSON) and
// nothing else: no routing, no authentication, no storage. It answers a send/message body with
// an envelope shaped like Postal's. Prints its port, then serves until killed.

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

let next = 1;
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const started = performance.now();
    const params = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { to?: string[] };
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
