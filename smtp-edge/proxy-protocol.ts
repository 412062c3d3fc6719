import { SocketAddress, type Socket } from 'node:net';

// PROXY protocol v2 (the binary header AWS NLB sends, haproxy.org proxy-protocol.txt §2.2).
// smtp-server reads only the v1 text line (`useProxy`), so a v2 header is read here and put back
// on the socket as the equivalent v1 line; smtp-server's own reader does the rest, including
// the implicit TLS handshake that follows the header on port 465.

/** §2.2: the 12-byte signature that starts every v2 header. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED_LENGTH = 16;

export interface ProxyEndpoint {
  address: string;
  port: number;
}

export type ProxyV2Parse =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  /** source/destination are null for LOCAL (health checks) and for families other than TCP/UDP over IP. */
  | { status: 'parsed'; length: number; source: ProxyEndpoint | null; destination: ProxyEndpoint | null };

/** Whether `bytes` (however few) could be the start of a v2 header. */
export function looksLikeProxyV2(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, V2_SIGNATURE.length);
  return Buffer.from(bytes.buffer, bytes.byteOffset, n).equals(V2_SIGNATURE.subarray(0, n));
}

export function parseProxyV2(bytes: Uint8Array): ProxyV2Parse {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!looksLikeProxyV2(buffer)) return { status: 'invalid', reason: 'no PROXY v2 signature' };
  if (buffer.length < V2_FIXED_LENGTH) return { status: 'incomplete' };
  const versionCommand = buffer[12]!;
  const familyProtocol = buffer[13]!;
  const length = V2_FIXED_LENGTH + buffer.readUInt16BE(14);
  // §2.2: the high nibble is the version (2), the low nibble the command (0 LOCAL, 1 PROXY).
  if (versionCommand >> 4 !== 2) return { status: 'invalid', reason: `version ${versionCommand >> 4}` };
  const command = versionCommand & 0x0f;
  if (command > 1) return { status: 'invalid', reason: `command ${command}` };
  if (buffer.length < length) return { status: 'incomplete' };
  if (command === 0) return { status: 'parsed', length, source: null, destination: null };
  // §2.2: the high nibble is the address family (1 INET, 2 INET6), the low one the transport.
  const family = familyProtocol >> 4;
  const body = buffer.subarray(V2_FIXED_LENGTH, length);
  if (family === 1) {
    if (body.length < 12) return { status: 'invalid', reason: 'IPv4 address block too short' };
    return {
      status: 'parsed',
      length,
      source: { address: ipv4(body.subarray(0, 4)), port: body.readUInt16BE(8) },
      destination: { address: ipv4(body.subarray(4, 8)), port: body.readUInt16BE(10) },
    };
  }
  if (family === 2) {
    if (body.length < 36) return { status: 'invalid', reason: 'IPv6 address block too short' };
    return {
      status: 'parsed',
      length,
      source: { address: ipv6(body.subarray(0, 16)), port: body.readUInt16BE(32) },
      destination: { address: ipv6(body.subarray(16, 32)), port: body.readUInt16BE(34) },
    };
  }
  // UNSPEC and UNIX sockets carry no address the edge can use; the connection's own applies.
  return { status: 'parsed', length, source: null, destination: null };
}

/** The v1 line (§2.1) smtp-server understands for a parsed v2 header. */
export function proxyV1Line(parsed: Extract<ProxyV2Parse, { status: 'parsed' }>): string {
  const { source, destination } = parsed;
  if (!source || !destination) return 'PROXY UNKNOWN\r\n';
  const protocol = source.address.includes(':') ? 'TCP6' : 'TCP4';
  return `PROXY ${protocol} ${source.address} ${destination.address} ${source.port} ${destination.port}\r\n`;
}

export interface TranslateOptions {
  /** How long the peer may take to send the whole header; 10,000 ms by default. */
  timeoutMs?: number;
}

/**
 * Reads a v2 header from a freshly accepted socket and puts the equivalent v1 line back in
 * front of the rest of the stream. Anything that is not v2 (a v1 line, garbage) is put back
 * untouched for smtp-server's v1 reader to accept or refuse. Calls back once: with null when
 * the socket can be handed on, or with an error after destroying it.
 */
export function translateProxyV2(
  socket: Socket,
  options: TranslateOptions,
  callback: (error: Error | null) => void,
): void {
  const chunks: Buffer[] = [];
  let finished = false;
  const finish = (error: Error | null, unshift?: Buffer): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('readable', onReadable);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
    if (error) {
      socket.on('error', () => undefined);
      socket.destroy();
    } else if (unshift && unshift.length > 0) {
      socket.unshift(unshift);
    }
    callback(error);
  };
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while (!finished && (chunk = socket.read() as Buffer | null) !== null) {
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      if (!looksLikeProxyV2(received)) return finish(null, received);
      const parsed = parseProxyV2(received);
      if (parsed.status === 'invalid') return finish(new Error(`invalid PROXY v2 header: ${parsed.reason}`));
      if (parsed.status === 'parsed') {
        return finish(
          null,
          Buffer.concat([Buffer.from(proxyV1Line(parsed)), received.subarray(parsed.length)]),
        );
      }
    }
  };
  const onError = (error: Error): void => finish(error);
  const onClose = (): void => finish(new Error('connection closed before the PROXY header'));
  const timer = setTimeout(() => finish(new Error('PROXY header timeout')), options.timeoutMs ?? 10_000);
  timer.unref();
  socket.on('readable', onReadable);
  socket.on('error', onError);
  socket.on('close', onClose);
}

function ipv4(bytes: Buffer): string {
  return Array.from(bytes).join('.');
}

function ipv6(bytes: Buffer): string {
  // An IPv4-mapped source is reported as plain IPv4, as Postal strips `::ffff:`.
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return ipv4(bytes.subarray(12));
  }
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}
