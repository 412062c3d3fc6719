// The remote side of the end-to-end measurement, run as its own process so that it takes no CPU
// from the load generator's event loop: a DNS server that answers the bench zone (MX, A and the
// DKIM keys) and a minimal SMTP sink on loopback that accepts every message, notes its
// Message-ID and the time it arrived, and keeps the first few messages whole for a DKIM check.
//
// It speaks just enough SMTP for the delivery worker (EHLO with PIPELINING, 8BITMIME, SMTPUTF8;
// no STARTTLS, so delivery goes in plain text as to any MX without TLS) and answers at once: the
// point is the platform's time, not the sink's. Run by bench/outbound.ts through fork() with IPC.

import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { startDnsServer } from '../../test/helpers/dns-server.ts';
import type { DnsZone } from '../../test/fakes/zone-dns.ts';

/** Messages the parent sends. */
export type SinkCommand = { kind: 'samples' } | { kind: 'close' };

/** Messages this process sends. */
export type SinkReport =
  | { kind: 'ready'; dnsAddress: string; mxPort: number }
  | { kind: 'received'; batch: { messageId: string; at: number }[] }
  | { kind: 'samples'; messages: string[] };

const SAMPLES = 5;
const FLUSH_MS = 20;
const TERMINATOR = Buffer.from('\r\n.\r\n');

function now(): number {
  return performance.timeOrigin + performance.now();
}

function send(report: SinkReport): void {
  process.send?.(report);
}

const zone = JSON.parse(process.argv[2] ?? '{}') as DnsZone;
const samples: string[] = [];
let pending: { messageId: string; at: number }[] = [];

function noteMessage(data: Buffer, at: number): void {
  const end = data.indexOf('\r\n\r\n');
  const head = data.toString('latin1', 0, end === -1 ? Math.min(data.length, 8192) : end);
  // Message-ID may be folded onto the next line; unfold before matching.
  const match = /^message-id:\s*<?([^>\s]+)>?/im.exec(head.replace(/\r\n[ \t]+/g, ' '));
  pending.push({ messageId: match?.[1] ?? '', at });
  if (samples.length < SAMPLES) samples.push(data.toString('latin1'));
}

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  let buffer: Buffer = Buffer.alloc(0);
  let inData = false;
  socket.write('220 mx.sink.test ESMTP bench sink\r\n');
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    const replies: string[] = [];
    for (;;) {
      if (inData) {
        // Data that is only a terminator starts with ".\r\n" (an empty message).
        const empty = buffer.subarray(0, 3).toString('latin1') === '.\r\n';
        const at = empty ? 0 : buffer.indexOf(TERMINATOR);
        if (!empty && at === -1) break;
        noteMessage(buffer.subarray(0, at), now());
        buffer = buffer.subarray(empty ? 3 : at + TERMINATOR.length);
        inData = false;
        replies.push('250 2.0.0 Ok: queued');
        continue;
      }
      const eol = buffer.indexOf('\r\n');
      if (eol === -1) break;
      const line = buffer.toString('latin1', 0, eol);
      buffer = buffer.subarray(eol + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') {
        replies.push(
          '250-mx.sink.test',
          '250-PIPELINING',
          '250-8BITMIME',
          '250-SMTPUTF8',
          '250 SIZE 52428800',
        );
      } else if (verb === 'DATA') {
        replies.push('354 End data with <CR><LF>.<CR><LF>');
        inData = true;
      } else if (verb === 'QUIT') {
        replies.push('221 2.0.0 Bye');
        socket.end(`${replies.join('\r\n')}\r\n`);
        return;
      } else if (['HELO', 'MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) {
        replies.push('250 2.0.0 Ok');
      } else {
        replies.push('502 5.5.2 Command not implemented');
      }
    }
    if (replies.length > 0) socket.write(`${replies.join('\r\n')}\r\n`);
  });
}

const dns = await startDnsServer(zone);
const mx = createServer(serve);
await new Promise<void>((resolve) => mx.listen(0, '127.0.0.1', resolve));
const flush = setInterval(() => {
  if (pending.length === 0) return;
  send({ kind: 'received', batch: pending });
  pending = [];
}, FLUSH_MS);

process.on('message', (command: SinkCommand) => {
  if (command.kind === 'samples') send({ kind: 'samples', messages: samples });
  if (command.kind === 'close') {
    clearInterval(flush);
    mx.close();
    void dns.close().then(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));

const address = mx.address();
send({
  kind: 'ready',
  dnsAddress: dns.address,
  mxPort: typeof address === 'object' && address ? address.port : 0,
});
