import { startDynamo, type DynamoOptions } from './dynamodb';
import { startMemcached, type MemcachedOptions } from './memcached';
import { startParameterServer, type ParameterServerLaunchOptions } from './parameter-server';
import { startRedis, type RedisOptions } from './redis';
import { type S3Options } from './s3';
import { startS3Process } from './s3-process';
import { startSqs } from './sqs';
import type { RunningServer, ServerKind } from './types';

export { startDynamo, type DynamoOptions } from './dynamodb';
export { freePort, PortInUseError, withPortRetry } from './free-port';
export { startMemcached, type MemcachedOptions } from './memcached';
export { startParameterServer, type ParameterServerLaunchOptions } from './parameter-server';
export { startRedis, type RedisModule, type RedisOptions } from './redis';
export { startS3, type S3Options, type S3Server } from './s3';
export { startSqs } from './sqs';
export type { ProcessServer, RunningServer, ServerKind } from './types';

/** Per-kind options for startServers; only the kinds being started are read. */
export interface ServerSetOptions {
  s3?: S3Options;
  dynamodb?: DynamoOptions;
  redis?: RedisOptions;
  memcached?: MemcachedOptions;
  'parameter-server'?: ParameterServerLaunchOptions;
}

export interface ServerSet {
  servers: Partial<Record<ServerKind, RunningServer>>;
  /** Union of every server's env. */
  env: Record<string, string>;
  /** Stops every server in the set; safe to call more than once. */
  stop(): Promise<void>;
}

const SERVER_KINDS: readonly ServerKind[] = ['s3', 'sqs', 'redis', 'memcached', 'dynamodb', 'parameter-server'];

function startOne(kind: ServerKind, opts: ServerSetOptions): Promise<RunningServer> {
  switch (kind) {
    case 's3':
      return startS3Process(opts.s3 as S3Options);
    case 'sqs':
      return startSqs();
    case 'dynamodb':
      return startDynamo(opts.dynamodb);
    case 'redis':
      return startRedis(opts.redis);
    case 'memcached':
      return startMemcached(opts.memcached);
    case 'parameter-server':
      return startParameterServer(opts['parameter-server']);
  }
}

/** Rejects a bad request before anything is started. */
function validateRequest(kinds: ServerKind[], opts: ServerSetOptions): void {
  const unknown = kinds.filter((kind) => !SERVER_KINDS.includes(kind));
  if (unknown.length) {
    throw new Error(`startServers: unknown server kind(s) ${unknown.map((k) => `'${k}'`).join(', ')}; expected one of ${SERVER_KINDS.join(', ')}`);
  }
  const duplicates = kinds.filter((kind, i) => kinds.indexOf(kind) !== i);
  if (duplicates.length) {
    throw new Error(`startServers: each kind may appear once, got ${[...new Set(duplicates)].join(', ')} more than once (start extra servers with startRedis etc.)`);
  }
  if (kinds.includes('s3') && !opts.s3?.directory) {
    throw new Error("startServers: 's3' needs opts.s3.directory (where buckets and objects are stored)");
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

async function stopEach(servers: RunningServer[]): Promise<void> {
  const results = await Promise.allSettled(servers.map((server) => server.stop()));
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ kind: servers[i].kind, reason: result.reason as unknown }] : []));
  if (failures.length) {
    throw new AggregateError(
      failures.map((f) => f.reason),
      `could not stop: ${failures.map((f) => `${f.kind} (${describe(f.reason)})`).join('; ')}`,
    );
  }
}

/**
 * Starts the given local servers concurrently. If any fails to start, stops those that did start
 * and rethrows (several failures become one AggregateError naming each kind).
 */
export async function startServers(kinds: ServerKind[], opts: ServerSetOptions = {}): Promise<ServerSet> {
  validateRequest(kinds, opts);
  const results = await Promise.allSettled(kinds.map(async (kind) => startOne(kind, opts)));
  const started = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = results.flatMap((result, i) => (result.status === 'rejected' ? [{ kind: kinds[i], reason: result.reason as unknown }] : []));

  if (failures.length) {
    await stopEach(started).catch(() => {
      // The start failure is the error worth reporting; the registry still holds anything left.
    });
    if (failures.length === 1) throw failures[0].reason;
    throw new AggregateError(
      failures.map((f) => f.reason),
      `could not start: ${failures.map((f) => `${f.kind} (${describe(f.reason)})`).join('; ')}`,
    );
  }

  const servers: Partial<Record<ServerKind, RunningServer>> = {};
  for (const server of started) servers[server.kind] = server;
  let stopping: Promise<void> | undefined;
  return {
    servers,
    env: Object.assign({}, ...started.map((server) => server.env)) as Record<string, string>,
    stop: () => (stopping ??= stopEach(started)),
  };
}
