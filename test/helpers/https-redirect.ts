import https from 'node:https';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { Server as HttpServer } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

// For clients that only speak HTTPS to port 443 of the host they are given (@atech/postal):
// a TLS front with a self-signed certificate that hands each decrypted connection to a local
// node:http server, and a global HTTPS agent that sends every request there instead of to the
// named host. Only that agent skips certificate checks; it is removed again by restore().

export interface HttpsFront {
  port: number;
  /** TLS connections made so far. */
  readonly connections: number;
  close(): Promise<void>;
}

/** Serves `server`'s requests over TLS on a free loopback port. */
export async function startHttpsFront(server: HttpServer, hostname: string): Promise<HttpsFront> {
  return startTlsFront(hostname, (socket) => server.emit('connection', socket));
}

/** The same, in front of a plain HTTP port (a platform running as its own process). */
export async function startHttpsFrontForPort(port: number, hostname: string): Promise<HttpsFront> {
  return startTlsFront(hostname, (socket) => {
    const upstream = netConnect(port, '127.0.0.1');
    socket.pipe(upstream).pipe(socket);
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
}

async function startTlsFront(hostname: string, serve: (socket: TLSSocket) => void): Promise<HttpsFront> {
  const { private: key, cert } = await generate([{ name: 'commonName', value: hostname }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
  });
  let connections = 0;
  const sockets = new Set<TLSSocket>();
  const front: Server = createServer({ key, cert }, (socket) => {
    connections += 1;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    serve(socket);
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return {
    port: (front.address() as AddressInfo).port,
    get connections() {
      return connections;
    },
    async close() {
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Points https.globalAgent at 127.0.0.1:`port` whatever host a request names; returns the undo. */
export function redirectGlobalHttps(port: number): () => void {
  const original = https.globalAgent;
  const agent = new https.Agent({ keepAlive: false });
  agent.createConnection = (options) =>
    connect({
      host: '127.0.0.1',
      port,
      servername: typeof options.host === 'string' ? options.host : undefined,
      // The front's certificate is self-signed; this agent is the only one that accepts it.
      rejectUnauthorized: false,
    });
  https.globalAgent = agent;
  return () => {
    https.globalAgent = original;
    agent.destroy();
  };
}
