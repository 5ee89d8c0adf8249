/**
 * Typed client for the Redis tensor module (redisai/): Float32Array in, Float32Array out, tensors
 * travelling as little-endian float32 blobs. Every server error reply becomes a TensorModuleError
 * naming the command; connection errors pass through unchanged.
 */
import type Redis from 'ioredis';
import type { TrafficCounter } from '../metrics/traffic';
import { decodeTensor, encodeTensor } from '../ml/tensor';

/** trimmedMean: how many values are dropped at each end, per element. */
export type ReduceOp = 'mean' | 'sum' | 'median' | { trimmedMean: number };

export interface TensorMeta {
  dtype: 'FLOAT';
  shape: number[];
}

/** The server's error reply to a tensor command, e.g. `AI.MODELUPDATE params 0.1 grads: ERR grads 'grads' has ...`. */
export class TensorModuleError extends Error {
  constructor(
    readonly command: string,
    readonly reply: string,
  ) {
    super(`${command}: ${reply}`);
    this.name = 'TensorModuleError';
  }
}

// The module's reply for a missing key starts so (RedisAI's wording, "... or in a different shard";
// builds before 2026-12 said only this much); get and meta turn it into undefined.
const MISSING_KEY_REPLY = 'ERR tensor key is empty';

function reduceArgs(op: ReduceOp): string[] {
  if (typeof op === 'object') return ['TRIMMEAN', String(op.trimmedMean)];
  return [op.toUpperCase()];
}

function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}

export class TensorClient {
  constructor(
    private readonly redis: Redis,
    private readonly traffic?: TrafficCounter,
  ) {}

  async set(key: string, values: Float32Array, shape: number[] = [values.length]): Promise<void> {
    await this.run(['AI.TENSORSET', key, 'FLOAT', ...shape.map(String), 'BLOB'], { blob: encodeTensor(values) });
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const blob = await this.run(['AI.TENSORGET', key, 'BLOB'], { buffers: true, missingOk: true });
    return blob === undefined ? undefined : decodeTensor(blob as Buffer);
  }

  async meta(key: string): Promise<TensorMeta | undefined> {
    const reply = (await this.run(['AI.TENSORGET', key, 'META'], { missingOk: true })) as unknown[] | undefined;
    if (reply === undefined) return undefined;
    // [ 'dtype', 'FLOAT', 'shape', [ d0, d1, ... ] ]
    return { dtype: 'FLOAT', shape: (reply[3] as number[]).map(Number) };
  }

  /** params ← params − lr · grads, in the database. */
  async modelUpdate(paramsKey: string, lr: number, gradsKey: string): Promise<void> {
    await this.run(['AI.MODELUPDATE', paramsKey, String(lr), gradsKey]);
  }

  /** dest ← element-wise op over the sources (equal lengths; dest takes the first source's shape). */
  async reduce(dest: string, op: ReduceOp, sources: string[]): Promise<void> {
    await this.run(['AI.TENSORREDUCE', dest, ...reduceArgs(op), ...sources]);
  }

  /**
   * Sends one command (`blob`, if any, last) and counts it as one redis request with the blob bytes
   * sent or received, whether the server accepts it or not. `missingOk`: a missing key gives
   * undefined instead of an error.
   */
  private async run(args: string[], opts: { blob?: Buffer; buffers?: boolean; missingOk?: boolean } = {}): Promise<unknown> {
    const [command, ...rest] = args;
    const sent = opts.blob ? [...rest, opts.blob] : rest;
    let reply: unknown;
    try {
      reply = opts.buffers ? await this.redis.callBuffer(command, sent) : await this.redis.call(command, sent);
    } catch (err) {
      if (!isReplyError(err)) throw err; // not answered by the server: nothing to count
      this.count(opts.blob?.length ?? 0, 0);
      if (opts.missingOk && err.message.startsWith(MISSING_KEY_REPLY)) return undefined;
      throw new TensorModuleError(args.join(' '), err.message);
    }
    this.count(opts.blob?.length ?? 0, Buffer.isBuffer(reply) ? reply.length : 0);
    return reply;
  }

  private count(bytesSent: number, bytesReceived: number): void {
    if (!this.traffic) return;
    if (bytesSent > 0) this.traffic.wrote('redis', bytesSent);
    else if (bytesReceived > 0) this.traffic.read('redis', bytesReceived);
    else this.traffic.request('redis');
  }
}
