import { resolveBinary } from './binary';
import { startChildServer } from './child-server';
import { withPortRetry } from './free-port';
import { askTcp } from './tcp-probe';
import type { ProcessServer } from './types';

export interface MemcachedOptions {
  /** Largest item in MB (-I). Default 128: the default 1 MB rejects a 4 MB gradient. */
  maxItemMb?: number;
  /** Cache memory in MB (-m). Default 1024; memcached requires at least 2 × maxItemMb. */
  memoryMb?: number;
  /** Binary name on PATH or path to it. Default 'memcached'. */
  binary?: string;
  /** A fixed port (no retry if it is taken). Default: a free port, retried if the bind races. */
  port?: number;
  startTimeoutMs?: number;
}

const DEFAULT_MAX_ITEM_MB = 128;
const DEFAULT_MEMORY_MB = 1024;
const DEFAULT_START_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 500;

function validateSizes(maxItemMb: number, memoryMb: number): void {
  if (!Number.isInteger(maxItemMb) || maxItemMb < 1 || maxItemMb > 1024) {
    throw new Error(`startMemcached: maxItemMb must be an integer from 1 to 1024, got ${maxItemMb}`);
  }
  if (!Number.isInteger(memoryMb) || memoryMb < 2 * maxItemMb) {
    throw new Error(
      `startMemcached: memoryMb must be an integer of at least 2 × maxItemMb (${2 * maxItemMb}), got ${memoryMb}: memcached refuses an item size above half its memory`,
    );
  }
}

function memcachedArgs(port: number, maxItemMb: number, memoryMb: number): string[] {
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-I', `${maxItemMb}m`, '-m', String(memoryMb)];
  // memcached refuses to run as root unless told which user to run as.
  if (process.getuid?.() === 0) args.push('-u', 'root');
  return args;
}

async function startOnPort(binary: string, port: number, maxItemMb: number, memoryMb: number, opts: MemcachedOptions): Promise<ProcessServer> {
  const child = await startChildServer({
    name: 'memcached',
    binary,
    args: memcachedArgs(port, maxItemMb, memoryMb),
    port,
    // `stats` names the PID, so a foreign memcached that grabbed the port is not taken for ours.
    isReady: async (p, pid) =>
      (await askTcp(p, 'stats\r\n', (r) => r.includes('END\r\n') || r.includes('ERROR'), PROBE_TIMEOUT_MS)).includes(`STAT pid ${pid}\r\n`),
    startTimeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    // memcached keeps nothing worth flushing, and its graceful SIGTERM exit takes ~0.7 s.
    stopSignal: 'SIGKILL',
    stopTimeoutMs: DEFAULT_STOP_TIMEOUT_MS,
  });
  // memcached has no URL scheme; memjs and most clients take host:port.
  const endpoint = `127.0.0.1:${port}`;
  return {
    kind: 'memcached',
    host: '127.0.0.1',
    port,
    pid: child.pid,
    endpoint,
    env: { MEMCACHED_URL: endpoint },
    stop: child.stop,
  };
}

/** Starts a Debian `memcached` child process on 127.0.0.1 (TCP only) and resolves once it answers `version`. */
export async function startMemcached(opts: MemcachedOptions = {}): Promise<ProcessServer> {
  const maxItemMb = opts.maxItemMb ?? DEFAULT_MAX_ITEM_MB;
  const memoryMb = opts.memoryMb ?? Math.max(DEFAULT_MEMORY_MB, 2 * maxItemMb);
  validateSizes(maxItemMb, memoryMb);
  const binary = resolveBinary(opts.binary ?? 'memcached', 'memcached');
  if (opts.port !== undefined) return startOnPort(binary, opts.port, maxItemMb, memoryMb, opts);
  return withPortRetry((port) => startOnPort(binary, port, maxItemMb, memoryMb, opts));
}
