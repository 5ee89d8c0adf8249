import * as net from 'node:net';

/**
 * Connects to 127.0.0.1:port, writes `request` and collects the reply until `isComplete` accepts it,
 * the server closes the connection, or `timeoutMs` passes. Resolves with the reply text (possibly
 * incomplete); rejects only when the connection itself fails (e.g. ECONNREFUSED).
 */
export function askTcp(
  port: number,
  request: Buffer | string,
  isComplete: (reply: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    let settled = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(reply);
    };
    const timer = setTimeout(() => finish(), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (isComplete(reply)) finish();
    });
    socket.on('end', () => finish());
    socket.on('error', (err) => finish(err));
  });
}
