import Redis from 'ioredis';
import type { TrafficCounter } from '../../metrics/traffic';
import { TensorClient } from '../../stores/tensor-client';
import type { PeerDatabaseAddress } from './peer-directory';

// Connections to peer databases. A warm Lambda keeps its connections between invocations; a
// database that does not answer fails fast (PeerDatabaseUnavailable) instead of hanging a step.

export class PeerDatabaseUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerDatabaseUnavailable';
  }
}

export interface PeerDatabase {
  redis: Redis;
  tensors: TensorClient;
}

const CONNECT_TIMEOUT_MS = 2_000;
const COMMAND_TIMEOUT_MS = 30_000;
const connections = new Map<string, Redis>();

function connect(address: PeerDatabaseAddress, commandTimeoutMs: number): Redis {
  const key = `${address.endpoint}|${commandTimeoutMs}`;
  const existing = connections.get(key);
  if (existing && existing.status !== 'end' && existing.status !== 'close') return existing;
  const redis = new Redis(address.endpoint, {
    password: address.password,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null, // a dead database is reported, not retried forever
    lazyConnect: false,
  });
  redis.on('error', () => undefined); // reported through the failing command instead
  connections.set(key, redis);
  return redis;
}

export function openPeerDatabase(address: PeerDatabaseAddress, traffic?: TrafficCounter, commandTimeoutMs = COMMAND_TIMEOUT_MS): PeerDatabase {
  const redis = connect(address, commandTimeoutMs);
  return { redis, tensors: new TensorClient(redis, traffic) };
}

/** Runs fn, turning connection failures into PeerDatabaseUnavailable naming the peer. */
export async function onPeer<T>(peer: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    if (/ECONNREFUSED|ETIMEDOUT|Connection is closed|connect|Command timed out|ENOTFOUND|Stream isn't writeable/i.test(message)) {
      throw new PeerDatabaseUnavailable(`the database of peer ${peer} is unreachable: ${message}`);
    }
    throw err;
  }
}

/** A short ping with its own connection, for the heartbeat. */
export async function pingPeer(address: PeerDatabaseAddress, timeoutMs: number): Promise<boolean> {
  const redis = new Redis(address.endpoint, {
    password: address.password, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0,
    retryStrategy: () => null, lazyConnect: true,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

export function closePeerConnections(): void {
  for (const r of connections.values()) r.disconnect();
  connections.clear();
}
