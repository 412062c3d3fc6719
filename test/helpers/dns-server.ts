import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv4, isIPv6, type Server, type Socket } from 'node:net';
import { lookupZone, type DnsZone, type RecordType } from '../fakes/zone-dns.ts';

// A tiny authoritative DNS server for tests, over UDP and TCP on one loopback port, answering A,
// AAAA, MX, TXT and CNAME from a zone object (the same shape ZoneDns takes). Wire format from
// RFC 1035 section 4; AAAA from RFC 3596; EDNS(0) from RFC 6891.

export interface DnsServer {
  port: number;
  /** `127.0.0.1:<port>`, ready for NodeDns's `servers`. */
  address: string;
  /** Every question asked, in order. */
  calls: { type: string; name: string; transport: 'udp' | 'tcp' }[];
  close(): Promise<void>;
}

const TYPES: Readonly<Record<number, RecordType>> = { 1: 'A', 5: 'CNAME', 15: 'MX', 16: 'TXT', 28: 'AAAA' };
const CODES: Readonly<Record<RecordType, number>> = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28 };
const OPT = 41;
const CLASS_IN = 1;
const TTL = 300;
const RCODE = { noError: 0, nxDomain: 3, notImp: 4 } as const;
/** RFC 1035 4.2.1: the largest UDP answer for a client that sent no EDNS(0) record. */
const CLASSIC_UDP_LIMIT = 512;
const OUR_UDP_PAYLOAD = 1232;

export async function startDnsServer(zone: DnsZone): Promise<DnsServer> {
  const calls: DnsServer['calls'] = [];
  const answer = (query: Buffer, overTcp: boolean): Buffer | null => respond(zone, query, overTcp, calls);
  // Bind UDP on a free port, then TCP on the same number; retry if TCP finds it taken.
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket('udp4');
    udp.on('message', (query, peer) => {
      const response = answer(query, false);
      if (response) udp.send(response, peer.port, peer.address);
    });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    const port = udp.address().port;
    const sockets = new Set<Socket>();
    const tcp = createServer((socket) => serveTcp(socket, sockets, answer));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(port, '127.0.0.1', () => resolve());
      });
    } catch (error) {
      await closeUdp(udp);
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 20) continue;
      throw error;
    }
    return {
      port,
      address: `127.0.0.1:${port}`,
      calls,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await Promise.all([closeUdp(udp), closeTcp(tcp)]);
      },
    };
  }
}

function serveTcp(
  socket: Socket,
  sockets: Set<Socket>,
  answer: (query: Buffer, overTcp: boolean) => Buffer | null,
) {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  let pending = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    // RFC 1035 4.2.2: over TCP each message is preceded by its length in two bytes.
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const query = pending.subarray(2, 2 + pending.readUInt16BE(0));
      pending = pending.subarray(2 + query.length);
      const response = answer(query, true);
      if (response) socket.write(Buffer.concat([u16(response.length), response]));
    }
  });
}

function respond(zone: DnsZone, query: Buffer, overTcp: boolean, calls: DnsServer['calls']): Buffer | null {
  let question: ReturnType<typeof parseQuery>;
  try {
    question = parseQuery(query);
  } catch {
    // Not a query this server can read; the client times out, which is all a test needs.
    return null;
  }
  const { id, flags, name, qtype, qclass, questionBytes, udpPayload } = question;
  const type = TYPES[qtype];
  calls.push({ type: type ?? String(qtype), name, transport: overTcp ? 'tcp' : 'udp' });
  const opcode = (flags >> 11) & 0xf;
  const edns = udpPayload === null ? [] : [optRecord()];
  if (opcode !== 0 || qclass !== CLASS_IN) {
    return Buffer.concat([header(id, flags, RCODE.notImp, 0, edns.length), questionBytes, ...edns]);
  }

  // Types this server does not serve still get NXDOMAIN or an empty answer, as a zone would.
  const found = lookupZone(zone, type ?? 'A', name);
  const answers: Buffer[] = [];
  let owner: Buffer = Buffer.from([0xc0, 12]); // a pointer to the question's name (RFC 1035 4.1.4)
  for (const [, target] of found.cnames) {
    answers.push(record(owner, CODES.CNAME, encodeName(target)));
    owner = encodeName(target);
  }
  if (type) for (const data of rdataOf(type, found.records)) answers.push(record(owner, CODES[type], data));
  const rcode = found.nxdomain ? RCODE.nxDomain : RCODE.noError;

  const full = Buffer.concat([
    header(id, flags, rcode, answers.length, edns.length),
    questionBytes,
    ...answers,
    ...edns,
  ]);
  const limit = overTcp ? 0xffff : Math.max(CLASSIC_UDP_LIMIT, udpPayload ?? 0);
  if (full.length <= limit) return full;
  // Too big for UDP: send the truncated flag so the client asks again over TCP (RFC 7766).
  return Buffer.concat([header(id, flags, rcode, 0, edns.length, true), questionBytes, ...edns]);
}

function parseQuery(query: Buffer) {
  if (query.length < 12) throw new Error('short header');
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  if (flags & 0x8000 || query.readUInt16BE(4) !== 1) throw new Error('not a single question');
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const qclass = query.readUInt16BE(end + 2);
  const questionBytes = query.subarray(12, end + 4);
  let offset = end + 4;
  // Skip answer and authority records (none in a query), then look for an OPT record.
  const skipped = query.readUInt16BE(6) + query.readUInt16BE(8);
  let udpPayload: number | null = null;
  for (let index = 0; index < skipped + query.readUInt16BE(10); index++) {
    const { end: rrStart } = readName(query, offset);
    const rrType = query.readUInt16BE(rrStart);
    if (index >= skipped && rrType === OPT) udpPayload = query.readUInt16BE(rrStart + 2);
    offset = rrStart + 10 + query.readUInt16BE(rrStart + 8);
  }
  return { id, flags, name, qtype, qclass, questionBytes, udpPayload };
}

function readName(message: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = [];
  let offset = start;
  let end: number | null = null;
  for (let jumps = 0; jumps < 64; jumps++) {
    const length = message.readUInt8(offset);
    if (length === 0) return { name: labels.join('.'), end: end ?? offset + 1 };
    if ((length & 0xc0) === 0xc0) {
      end ??= offset + 2;
      offset = message.readUInt16BE(offset) & 0x3fff;
      continue;
    }
    if (offset + 1 + length > message.length) throw new Error('label past the end');
    labels.push(message.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  throw new Error('name too long or looping');
}

function header(
  id: number,
  queryFlags: number,
  rcode: number,
  answers: number,
  additional: number,
  truncated = false,
): Buffer {
  // QR, the query's opcode and RD, AA (we are the authority), TC, RA, and the response code.
  const flags = 0x8000 | (queryFlags & 0x7900) | 0x0400 | (truncated ? 0x0200 : 0) | 0x0080 | rcode;
  return Buffer.concat([u16(id), u16(flags), u16(1), u16(answers), u16(0), u16(additional)]);
}

function record(owner: Buffer, type: number, data: Buffer): Buffer {
  return Buffer.concat([owner, u16(type), u16(CLASS_IN), u32(TTL), u16(data.length), data]);
}

function optRecord(): Buffer {
  return Buffer.concat([Buffer.from([0]), u16(OPT), u16(OUR_UDP_PAYLOAD), u32(0), u16(0)]);
}

function rdataOf(type: RecordType, records: unknown): Buffer[] {
  switch (type) {
    case 'A':
      return (records as readonly string[]).map(ipv4Bytes);
    case 'AAAA':
      return (records as readonly string[]).map(ipv6Bytes);
    case 'CNAME':
      return (records as readonly string[]).map(encodeName);
    case 'MX':
      return (records as readonly { exchange: string; priority: number }[]).map(({ exchange, priority }) =>
        Buffer.concat([u16(priority), encodeName(exchange)]),
      );
    case 'TXT':
      return (records as readonly (readonly string[])[]).map((strings) =>
        Buffer.concat(strings.flatMap((text) => characterStrings(Buffer.from(text, 'utf8')))),
      );
  }
}

/** RFC 1035 3.3: a character-string holds at most 255 bytes; longer text is split, as zone files do. */
function characterStrings(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let offset = 0; offset === 0 || offset < bytes.length; offset += 255) {
    const part = bytes.subarray(offset, offset + 255);
    parts.push(Buffer.concat([Buffer.from([part.length]), part]));
  }
  return parts;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.+$/, '').split('.').filter(Boolean);
  const parts = labels.map((label) => {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length > 63) throw new Error(`DNS label longer than 63 bytes in ${name}`);
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  });
  const encoded = Buffer.concat([...parts, Buffer.from([0])]);
  if (encoded.length > 255) throw new Error(`DNS name longer than 255 bytes: ${name}`);
  return encoded;
}

function ipv4Bytes(address: string): Buffer {
  if (!isIPv4(address)) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  if (!isIPv6(address)) throw new Error(`not an IPv6 address: ${address}`);
  let text = address;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Bytes(dotted);
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const all =
    tail === undefined
      ? groups(head)
      : [
          ...groups(head),
          ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'),
          ...groups(tail),
        ];
  return Buffer.concat(all.map((group) => u16(parseInt(group, 16))));
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value);
  return buffer;
}

function closeUdp(socket: UdpSocket): Promise<void> {
  return new Promise((resolve) => socket.close(() => resolve()));
}

function closeTcp(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
