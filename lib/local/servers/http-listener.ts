import type * as http from 'node:http';

/**
 * Listens on 127.0.0.1 with a port the OS picks (port 0), so in-process servers never race another
 * process for a port. Resolves with the port.
 */
export function listenOnLoopback(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`could not listen on 127.0.0.1: ${err.message}`));
    server.once('error', onError);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error(`server listening at an unexpected address: ${String(address)}`));
    });
  });
}

/**
 * Closes the listener and drops open connections: SDK clients keep sockets alive, and plain
 * server.close() would wait for them (and a pending long poll) indefinitely.
 */
export function closeHttpServer(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}

/** The whole body of a request. */
export async function readRequestBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
