import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveBinary } from './binary';
import { startChildServer } from './child-server';
import { withPortRetry } from './free-port';
import { askTcp } from './tcp-probe';
import type { ProcessServer } from './types';

export interface RedisModule {
  /** Path of the module's shared object (.so). */
  path: string;
  args?: string[];
}

export interface RedisOptions {
  /** Sets requirepass. Written to a private (0600) config file, never put on the command line. */
  password?: string;
  modules?: RedisModule[];
  /** Working directory for RDB/AOF files. Default: a temp folder deleted on stop. */
  dataDir?: string;
  /** Default 'none': nothing is written to disk. 'rdb' and 'aof' need `dataDir`. */
  persistence?: 'none' | 'rdb' | 'aof';
  /** Binary name on PATH or path to it. Default 'redis-server'. */
  binary?: string;
  /** A fixed port (no retry if it is taken). Default: a free port, retried if the bind races. */
  port?: number;
  startTimeoutMs?: number;
  /** How long SIGTERM gets before SIGKILL. */
  stopTimeoutMs?: number;
}

const DEFAULT_START_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_TIMEOUT_MS = 5_000;
const PROBE_TIMEOUT_MS = 500;

/** Quotes a value for redis.conf: bytes outside printable ASCII become \xHH, which redis decodes back. */
function quoteConfigValue(value: string): string {
  let quoted = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) quoted += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte >= 0x7f) quoted += `\\x${byte.toString(16).padStart(2, '0')}`;
    else quoted += String.fromCharCode(byte);
  }
  return `${quoted}"`;
}

function persistenceLines(persistence: RedisOptions['persistence']): string[] {
  switch (persistence ?? 'none') {
    case 'none':
      return ['save ""', 'appendonly no'];
    case 'rdb':
      return ['save 3600 1 300 100 60 10000', 'appendonly no'];
    case 'aof':
      return ['save ""', 'appendonly yes'];
    default:
      throw new Error(`startRedis: persistence must be 'none', 'rdb' or 'aof', got '${String(persistence)}'`);
  }
}

function buildConfig(port: number, dataDir: string, opts: RedisOptions): string {
  const lines = [
    'bind 127.0.0.1',
    `port ${port}`,
    'protected-mode yes',
    'daemonize no',
    'logfile ""',
    ...persistenceLines(opts.persistence),
    // MODULE LOAD is refused unless enabled; 'local' allows it from 127.0.0.1 only.
    'enable-module-command local',
    `dir ${quoteConfigValue(dataDir)}`,
  ];
  if (opts.password !== undefined) lines.push(`requirepass ${quoteConfigValue(opts.password)}`);
  for (const mod of opts.modules ?? []) {
    // Absolute: redis would resolve a relative path against its own working directory.
    lines.push(['loadmodule', ...[path.resolve(mod.path), ...(mod.args ?? [])].map(quoteConfigValue)].join(' '));
  }
  return `${lines.join('\n')}\n`;
}

function respCommand(...args: string[]): Buffer {
  const parts = [Buffer.from(`*${args.length}\r\n`)];
  for (const arg of args) parts.push(Buffer.from(`$${Buffer.byteLength(arg)}\r\n`), Buffer.from(arg), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/**
 * Readiness probe: AUTH (when a password is set), PING, INFO server. Ready when PING answers PONG
 * (not -LOADING) and INFO names our child's PID.
 */
function readinessProbe(password: string | undefined): (port: number, pid: number) => Promise<boolean> {
  const request = Buffer.concat([
    ...(password === undefined ? [] : [respCommand('AUTH', password)]),
    respCommand('PING'),
    respCommand('INFO', 'server'),
  ]);
  return async (port, pid) => {
    const reply = await askTcp(port, request, (r) => /process_id:\d+\r\n|^-[^\r]*\r\n/m.test(r), PROBE_TIMEOUT_MS);
    return reply.includes('+PONG\r\n') && reply.includes(`process_id:${pid}\r\n`);
  };
}

async function validateOptions(opts: RedisOptions): Promise<void> {
  if (opts.password !== undefined && opts.password.length === 0) {
    throw new Error('startRedis: password must not be empty (omit it to run without a password)');
  }
  if ((opts.persistence ?? 'none') !== 'none' && !opts.dataDir) {
    throw new Error(`startRedis: persistence '${opts.persistence}' needs dataDir (the default temp folder is deleted on stop)`);
  }
  for (const mod of opts.modules ?? []) {
    try {
      await fs.access(mod.path);
    } catch {
      throw new Error(`startRedis: module file not found: ${mod.path}`);
    }
  }
}

async function startOnPort(binary: string, port: number, opts: RedisOptions): Promise<ProcessServer> {
  const privateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'mltrain-redis-'));
  const dataDir = opts.dataDir ? path.resolve(opts.dataDir) : privateDir;
  if (opts.dataDir) await fs.mkdir(dataDir, { recursive: true });
  const configFile = path.join(privateDir, 'redis.conf');
  await fs.writeFile(configFile, buildConfig(port, dataDir, opts), { mode: 0o600, flag: 'wx' });

  const child = await startChildServer({
    name: 'redis-server',
    binary,
    args: [configFile],
    port,
    isReady: readinessProbe(opts.password),
    startTimeoutMs: opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    // SIGTERM: redis shuts down cleanly, writing RDB/AOF when persistence is on.
    stopSignal: 'SIGTERM',
    stopTimeoutMs: opts.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS,
    cleanup: () => fs.rm(privateDir, { recursive: true, force: true }),
  });
  // redis has read its config; the password need not stay on disk.
  await fs.rm(configFile, { force: true });

  const endpoint = `redis://127.0.0.1:${port}`;
  return {
    kind: 'redis',
    host: '127.0.0.1',
    port,
    pid: child.pid,
    endpoint,
    env: { REDIS_URL: endpoint },
    stop: child.stop,
  };
}

/**
 * Starts a Debian `redis-server` child process on 127.0.0.1, without persistence unless asked,
 * and resolves once it answers PING. REDIS_URL never contains the password.
 */
export async function startRedis(opts: RedisOptions = {}): Promise<ProcessServer> {
  await validateOptions(opts);
  const binary = resolveBinary(opts.binary ?? 'redis-server', 'redis-server');
  if (opts.port !== undefined) return startOnPort(binary, opts.port, opts);
  return withPortRetry((port) => startOnPort(binary, port, opts));
}
