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

// The module's reply for a missing key (RedisAI's wording); get and meta turn it into undefined.
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
    const blob = encodeTensor(values);
    await this.run(['AI.TENSORSET', key, 'FLOAT', ...shape.map(String), 'BLOB'], [blob]);
    this.traffic?.wrote('redis', blob.length);
  }

  async get(key: string): Promise<Float32Array | undefined> {
    const blob = (await this.run(['AI.TENSORGET', key, 'BLOB'], [], { buffers: true, missingOk: true })) as Buffer | undefined;
    if (blob === undefined) {
      this.traffic?.request('redis');
      return undefined;
    }
    this.traffic?.read('redis', blob.length);
    return decodeTensor(blob);
  }

  async meta(key: string): Promise<TensorMeta | undefined> {
    const reply = (await this.run(['AI.TENSORGET', key, 'META'], [], { missingOk: true })) as unknown[] | undefined;
    this.traffic?.request('redis');
    if (reply === undefined) return undefined;
    // [ 'dtype', 'FLOAT', 'shape', [ d0, d1, ... ] ]
    return { dtype: 'FLOAT', shape: (reply[3] as number[]).map(Number) };
  }

  /** params ← params − lr · grads, in the database. */
  async modelUpdate(paramsKey: string, lr: number, gradsKey: string): Promise<void> {
    await this.run(['AI.MODELUPDATE', paramsKey, String(lr), gradsKey]);
    this.traffic?.request('redis');
  }

  /** dest ← element-wise op over the sources (equal lengths; dest takes the first source's shape). */
  async reduce(dest: string, op: ReduceOp, sources: string[]): Promise<void> {
    await this.run(['AI.TENSORREDUCE', dest, ...reduceArgs(op), ...sources]);
    this.traffic?.request('redis');
  }

  /** Sends one command; `blobs` follow the text arguments and are left out of error messages. */
  private async run(
    args: string[],
    blobs: Buffer[] = [],
    opts: { buffers?: boolean; missingOk?: boolean } = {},
  ): Promise<unknown> {
    const [command, ...rest] = args;
    try {
      return opts.buffers
        ? await this.redis.callBuffer(command, [...rest, ...blobs])
        : await this.redis.call(command, [...rest, ...blobs]);
    } catch (err) {
      if (!isReplyError(err)) throw err;
      if (opts.missingOk && err.message === MISSING_KEY_REPLY) return undefined;
      throw new TensorModuleError(args.join(' '), err.message);
    }
  }
}
