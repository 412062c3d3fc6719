import { connect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';

// Many idle SMTP sessions held open against the edge, as a pool of application clients would
// hold them between messages: greeted, EHLO answered, and (with `tls`) upgraded with STARTTLS
// and greeted again, which is where a submission client waits before AUTH.

export interface OpenSessions {
  opened: number;
  failed: number;
  /** The first failure, to show what went wrong. */
  sample?: string;
  close(): Promise<void>;
}

export async function openSessions(
  port: number,
  count: number,
  options: { tls: boolean; parallel?: number },
): Promise<OpenSessions> {
  const sockets: (Socket | TLSSocket)[] = [];
  let failed = 0;
  let sample: string | undefined;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        sockets.push(await openOne(port, options.tls));
      } catch (error) {
        failed++;
        sample ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 100 }, worker));
  return {
    opened: sockets.length,
    failed,
    ...(sample ? { sample } : {}),
    async close() {
      await Promise.all(
        sockets.map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.once('close', () => resolve());
              socket.end('QUIT\r\n');
              setTimeout(() => {
                socket.destroy();
                resolve();
              }, 2000).unref();
            }),
        ),
      );
    },
  };
}

async function openOne(port: number, tls: boolean): Promise<Socket | TLSSocket> {
  const plain = connect(port, '127.0.0.1');
  plain.setNoDelay(true);
  plain.on('error', () => undefined);
  const reader = replies(plain);
  await expect(reader, 220);
  plain.write('EHLO bench.local\r\n');
  await expect(reader, 250);
  if (!tls) return plain;
  plain.write('STARTTLS\r\n');
  await expect(reader, 220);
  reader.detach();
  const secure = tlsConnect({ socket: plain, rejectUnauthorized: false, servername: 'postern.bench' });
  secure.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', () => resolve());
    secure.once('error', reject);
  });
  const secureReader = replies(secure);
  secure.write('EHLO bench.local\r\n');
  await expect(secureReader, 250);
  secureReader.detach();
  return secure;
}

interface ReplyReader {
  next(): Promise<string>;
  detach(): void;
}

/** Complete SMTP replies (the last line of a multi-line reply has a space after the code). */
function replies(socket: Socket): ReplyReader {
  let buffer = '';
  let reply = '';
  const ready: string[] = [];
  const waiting: { resolve: (reply: string) => void; reject: (error: Error) => void }[] = [];
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let lineEnd: number;
    while ((lineEnd = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, lineEnd);
      buffer = buffer.slice(lineEnd + 2);
      reply += `${line}\n`;
      if (line[3] !== '-') {
        const waiter = waiting.shift();
        if (waiter) waiter.resolve(reply);
        else ready.push(reply);
        reply = '';
      }
    }
  };
  const onEnd = () => {
    for (const waiter of waiting.splice(0)) waiter.reject(new Error('connection closed'));
  };
  socket.on('data', onData);
  socket.on('close', onEnd);
  return {
    next: () => {
      const reply = ready.shift();
      if (reply !== undefined) return Promise.resolve(reply);
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    detach: () => {
      socket.off('data', onData);
      socket.off('close', onEnd);
    },
  };
}

async function expect(reader: ReplyReader, code: number): Promise<void> {
  const reply = await withTimeout(reader.next(), 30_000);
  if (!reply.startsWith(String(code))) throw new Error(`expected ${code}, got ${reply.trim()}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no reply in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
