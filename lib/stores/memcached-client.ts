import * as memjs from 'memjs';
import { nameFailure } from './failure-names';

// One memjs client per process, reused across invocations (like the AWS SDK clients).

let shared: { url: string; client: memjs.Client } | undefined;

/** A client for host:port. Waits long enough for a 100 MB value, retries once, and logs nothing itself. */
export function createMemcachedClient(url: string): memjs.Client {
  const client = memjs.Client.create(url, {
    // memjs's default of 0.5 s per request fails a large gradient on a busy machine.
    timeout: 30,
    retries: 2,
    // memjs logs every failure on its own; the store turns them into errors that name the key.
    logger: { log: () => undefined },
  });
  for (const server of client.servers) {
    receiveInOneCopy(server);
    failPendingOnClose(server);
  }
  // host:port only: a memjs URL may carry credentials.
  const servers = (client.servers as unknown as { host: string; port: number }[]).map((sv) => `${sv.host}:${sv.port}`).join(', ');
  nameFailures(client, `the memcached channel (${servers})`);
  return client;
}

type Perform = (key: string, request: Buffer, seq: number, callback?: (err: unknown, response: unknown) => void, retries?: number) => void;

/** Every request that fails for want of the server (after memjs's retries) names the role. */
function nameFailures(client: memjs.Client, role: string): void {
  const c = client as unknown as { perform: Perform };
  const perform = c.perform.bind(client);
  c.perform = (key, request, seq, callback, retries) =>
    perform(key, request, seq, callback && ((err, response) => callback(err ? nameFailure(err, role) : err, response)), retries);
}

export function getMemcachedClient(url: string): memjs.Client {
  if (shared?.url !== url) {
    shared?.client.close();
    shared = { url, client: createMemcachedClient(url) };
  }
  return shared.client;
}

interface ReceiveBuffer {
  responseBuffer: Buffer;
  appendToBuffer(chunk: Buffer): Buffer;
  error(err: unknown): void;
}

const HEADER_BYTES = 24;
const BODY_LENGTH_OFFSET = 8;

/**
 * memjs copies its whole receive buffer for every socket chunk, so reading a value costs time
 * quadratic in its size (13 MB took 380 ms, most of it copying). This keeps the chunks of an
 * incomplete response aside and joins them once the response is complete: one copy per response.
 */
function receiveInOneCopy(server: unknown): void {
  const s = server as ReceiveBuffer;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  s.appendToBuffer = (chunk: Buffer): Buffer => {
    pending.push(chunk);
    pendingBytes += chunk.length;
    const buffered = s.responseBuffer.length;
    const needed = buffered >= HEADER_BYTES ? HEADER_BYTES + s.responseBuffer.readUInt32BE(BODY_LENGTH_OFFSET) : HEADER_BYTES;
    if (buffered + pendingBytes >= needed) {
      s.responseBuffer = Buffer.concat([s.responseBuffer, ...pending], buffered + pendingBytes);
      pending = [];
      pendingBytes = 0;
    }
    return s.responseBuffer;
  };
  // A connection that failed mid-response leaves half a message behind: the next one starts afresh.
  const fail = s.error.bind(s);
  s.error = (err: unknown): void => {
    pending = [];
    pendingBytes = 0;
    s.responseBuffer = Buffer.alloc(0);
    fail(err);
  };
}

interface ServerSockets {
  _socket?: NodeJS.EventEmitter;
  errorCallbacks: Record<string, unknown>;
  sock(sasl: boolean, go: (socket: unknown) => void): void;
  error(err: unknown): void;
}

/**
 * memjs forgets a socket the server closed (a killed memcached) but leaves the requests written
 * to it waiting for their timeout, 30 s per attempt. Fail them at once with the socket's end, so
 * memjs retries on a new connection (refused, if the server is gone) and reports promptly.
 */
function failPendingOnClose(server: unknown): void {
  const s = server as ServerSockets;
  const sock = s.sock.bind(s);
  s.sock = (sasl, go) => {
    const before = s._socket;
    sock(sasl, go);
    const socket = s._socket;
    if (!socket || socket === before) return;
    socket.once('close', () => {
      const current = s._socket === undefined || s._socket === socket;
      if (current && Object.keys(s.errorCallbacks).length > 0) {
        s.error(Object.assign(new Error('memcached closed the connection'), { code: 'ECONNRESET' }));
      }
    });
  };
}
