import * as net from 'node:net';

/** Raised by a launcher when its server could not bind the port it was given (another process took it). */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    detail: string,
  ) {
    super(`port ${port} on 127.0.0.1 is already in use: ${detail}`);
    this.name = 'PortInUseError';
  }
}

// Ports handed out recently by this process: two launchers racing in the same process
// must not both be given the port the OS just freed.
const RECENT_PORT_MS = 30_000;
const recentlyHandedOut = new Map<number, number>();

function wasHandedOutRecently(port: number, now: number): boolean {
  for (const [p, at] of recentlyHandedOut) if (now - at > RECENT_PORT_MS) recentlyHandedOut.delete(p);
  return recentlyHandedOut.has(port);
}

function askOsForPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error(`could not read the port of a probe socket (address: ${String(address)})`));
      });
    });
  });
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago. Another process can still take it before
 * the caller binds it, so launchers wrap their start in `withPortRetry`.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await askOsForPort();
    const now = Date.now();
    if (!wasHandedOutRecently(port, now)) {
      recentlyHandedOut.set(port, now);
      return port;
    }
  }
  throw new Error('could not find a free TCP port on 127.0.0.1 after 20 attempts');
}

/**
 * Runs `start` on a fresh free port, and again on another one while it fails with PortInUseError
 * (the bind raced with another process). Any other error is rethrown at once.
 */
export async function withPortRetry<T>(start: (port: number) => Promise<T>, attempts = 5): Promise<T> {
  let lastRace: PortInUseError | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (!(err instanceof PortInUseError)) throw err;
      lastRace = err;
    }
  }
  throw new Error(`gave up after ${attempts} ports were taken before the server could bind them; last: ${lastRace?.message}`);
}
