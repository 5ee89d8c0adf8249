import * as grpc from '@grpc/grpc-js';
import type { TrafficCounter } from '../metrics/traffic';
import { decodeTensor, encodeTensor } from '../ml/tensor';
import { sleep } from '../util/wait';
import { statusName } from './errors';
import {
  CHANNEL_OPTIONS, MAX_PARAMS, parameterServerDefinition,
  type DeleteReply, type OptimizerConfigMessage, type PingReply, type PullReply, type PushReply, type RegisterReply,
} from './proto';

// A promise-based client of the parameter server. Every call has a deadline; a server that is
// briefly unreachable (restarting, a reset connection) is retried with back-off for a bounded
// time, which is safe because every call is idempotent (Register rejoins, Push overwrites).

export interface ParameterServerClientOptions {
  /** host:port */
  endpoint: string;
  /** Sent as `authorization: Bearer <token>` when set. */
  token?: string;
  traffic?: TrafficCounter;
  /** Deadline of a call that does not wait on the server (all but Pull). */
  callTimeoutMs?: number;
  /** How long an unreachable server is retried before giving up. */
  unavailableRetryMs?: number;
}

/** A call the server refused or that failed: `code` is the gRPC status, `details` the server's message. */
export class ParameterServerCallError extends Error {
  constructor(readonly rpc: string, readonly code: grpc.status, readonly details: string, endpoint: string) {
    super(`parameter server at ${endpoint}: ${rpc} failed (${statusName(code)}): ${details}`);
    this.name = 'ParameterServerCallError';
  }
}

export interface RegisterArgs {
  runId: string;
  rank: number;
  numWorkers: number;
  optimizer: OptimizerConfigMessage;
  initialParams: Float32Array;
}

export interface PulledModel {
  version: number;
  params: Float32Array;
  updateSeconds: number;
}

type Callback<T> = (err: grpc.ServiceError | null, reply?: T) => void;
type UnaryMethod = (req: unknown, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<unknown>) => grpc.ClientUnaryCall;

const WAIT_MARGIN_MS = 10_000;

export class ParameterServerClient {
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();
  private readonly callTimeoutMs: number;
  private readonly unavailableRetryMs: number;

  constructor(private readonly opts: ParameterServerClientOptions) {
    const { Client } = parameterServerDefinition();
    this.client = new Client(opts.endpoint, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    if (opts.token) this.metadata.set('authorization', `Bearer ${opts.token}`);
    this.callTimeoutMs = opts.callTimeoutMs ?? 30_000;
    this.unavailableRetryMs = opts.unavailableRetryMs ?? 15_000;
  }

  get endpoint(): string {
    return this.opts.endpoint;
  }

  ping(): Promise<PingReply> {
    return this.call<PingReply>('Ping', {});
  }

  async register(args: RegisterArgs): Promise<RegisterReply> {
    checkModelSize(args.initialParams.length, 'model');
    const initial = encodeTensor(args.initialParams);
    const reply = await this.call<RegisterReply>('Register', {
      run_id: args.runId, rank: args.rank, num_workers: args.numWorkers, num_params: args.initialParams.length,
      optimizer: args.optimizer, initial_params: initial,
    });
    this.opts.traffic?.wrote('parameterServer', initial.byteLength);
    return reply;
  }

  /** The parameters at version ≥ minVersion, waiting on the server up to waitMs. */
  async pull(runId: string, rank: number, minVersion: number, waitMs: number, numParams?: number): Promise<PulledModel> {
    // A retry after the server was unreachable waits only for what is left of waitMs.
    const request = (elapsedMs: number) => ({ run_id: runId, rank, min_version: minVersion, wait_ms: Math.max(0, Math.round(waitMs - elapsedMs)) });
    const reply = await this.call<PullReply>('Pull', request, (elapsedMs) => Math.max(0, waitMs - elapsedMs) + WAIT_MARGIN_MS);
    this.opts.traffic?.read('parameterServer', reply.params.byteLength);
    return { version: reply.version, params: decodeTensor(reply.params, numParams), updateSeconds: reply.update_seconds };
  }

  async push(runId: string, rank: number, step: number, gradient: Float32Array): Promise<PushReply> {
    checkModelSize(gradient.length, 'gradient');
    const bytes = encodeTensor(gradient);
    const reply = await this.call<PushReply>('Push', { run_id: runId, rank, step, gradient: bytes });
    this.opts.traffic?.wrote('parameterServer', bytes.byteLength);
    return reply;
  }

  async delete(runId: string): Promise<boolean> {
    return (await this.call<DeleteReply>('Delete', { run_id: runId })).deleted;
  }

  close(): void {
    this.client.close();
  }

  private async call<T>(
    rpc: string, request: object | ((elapsedMs: number) => object), timeoutMs: number | ((elapsedMs: number) => number) = this.callTimeoutMs,
  ): Promise<T> {
    const startedAt = Date.now();
    const giveUpAt = startedAt + this.unavailableRetryMs;
    let delay = 100;
    for (;;) {
      const elapsed = Date.now() - startedAt;
      try {
        return await this.once<T>(rpc, typeof request === 'function' ? request(elapsed) : request, typeof timeoutMs === 'function' ? timeoutMs(elapsed) : timeoutMs);
      } catch (err) {
        const e = err as grpc.ServiceError;
        if (e.code !== grpc.status.UNAVAILABLE || Date.now() + delay > giveUpAt) {
          throw new ParameterServerCallError(rpc, e.code ?? grpc.status.UNKNOWN, e.details ?? e.message, this.opts.endpoint);
        }
        await sleep(delay);
        delay = Math.min(2000, delay * 2);
      }
    }
  }

  private once<T>(rpc: string, request: object, timeoutMs: number): Promise<T> {
    const method = (this.client as unknown as Record<string, UnaryMethod>)[rpc].bind(this.client);
    return new Promise<T>((resolve, reject) => {
      method(request, this.metadata, { deadline: Date.now() + timeoutMs }, (err, reply) => (err ? reject(err) : resolve(reply as T)));
    });
  }
}

/** Refuses, before sending, a tensor larger than either side's message limit would let through. */
function checkModelSize(length: number, what: string): void {
  if (length > MAX_PARAMS) {
    throw new Error(`a ${what} of ${length} float32 values (${(length * 4 / 1e6).toFixed(1)} MB) is more than the parameter server takes: at most ${MAX_PARAMS} values (${MAX_PARAMS * 4 / 1e6} MB, MAX_PARAMS in lib/ps/proto.ts)`);
  }
}
