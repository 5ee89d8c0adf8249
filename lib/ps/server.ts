import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../util/log';
import { ParameterServerError, statusName, unauthenticated } from './errors';
import { ModelRegistry, type RegistryOptions } from './models';
import {
  CHANNEL_OPTIONS, parameterServerDefinition,
  type DeleteReply, type DeleteRequest, type PingReply, type PullReply, type PullRequest, type PushReply, type PushRequest,
  type RegisterReply, type RegisterRequest,
} from './proto';

// The gRPC face of the model registry: decode, check the caller's token, call the registry, map
// its refusals to gRPC statuses. Nothing here knows about training.

export interface ParameterServerOptions extends RegistryOptions {
  /** Interface to bind: 127.0.0.1 locally, 0.0.0.0 on the EC2 instance (its security group admits only the functions). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every call must carry `authorization: Bearer <token>`. */
  token?: string;
  log: Logger;
  /** How often idle models are looked for. */
  expiryIntervalMs?: number;
}

export interface RunningParameterServer {
  port: number;
  address: string;
  registry: ModelRegistry;
  /** Ends waiting pulls, stops accepting calls, closes connections. Safe to call twice. */
  stop(): Promise<void>;
}

export const SERVER_NAME = 'mltrain-parameter-server';

type Unary = <Req, Res>(name: string, handle: (req: Req, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res> | Res) =>
  (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** Wraps a handler: checks the token, then turns a refusal into a gRPC status with its message (logged, never with data). */
function unaryCalls(log: ParameterServerOptions['log'], expected: Buffer | undefined): Unary {
  const authorize = (call: grpc.ServerUnaryCall<unknown, unknown>): void => {
    if (!expected) return;
    const given = Buffer.from(String(call.metadata.get('authorization')[0] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw unauthenticated('missing or wrong token: the caller must send the parameter server\'s shared token');
    }
  };
  return (name, handle) => (call, callback) => {
    Promise.resolve()
      .then(() => {
        authorize(call as grpc.ServerUnaryCall<unknown, unknown>);
        return handle(call.request, call);
      })
      .then((reply) => callback(null, reply), (err: unknown) => {
        if (err instanceof ParameterServerError) {
          log.warn('request refused', { rpc: name, code: statusName(err.code), reason: err.message });
          callback({ code: err.code, details: err.message });
        } else {
          log.error('request failed', { rpc: name, error: err as Error });
          callback({ code: grpc.status.INTERNAL, details: `${name} failed: ${(err as Error).message}` });
        }
      });
  };
}

/** The five RPCs of the service definition, over the registry. */
function rpcHandlers(registry: ModelRegistry, log: ParameterServerOptions['log'], unary: Unary, startedAt: number): grpc.UntypedServiceImplementation {
  return {
    Ping: unary<object, PingReply>('Ping', () => ({
      server: SERVER_NAME, pid: process.pid, uptime_seconds: (Date.now() - startedAt) / 1000, models: registry.size,
    })),
    Register: unary<RegisterRequest, RegisterReply>('Register', (req) => {
      const r = registry.register({
        runId: req.run_id, rank: req.rank, numWorkers: req.num_workers, numParams: req.num_params,
        optimizer: req.optimizer, initialParams: req.initial_params,
      });
      log.info(r.created ? 'model created' : 'worker joined', { runId: req.run_id, rank: req.rank, version: r.version, numParams: r.numParams, numWorkers: r.numWorkers });
      return { worker_id: r.workerId, num_params: r.numParams, num_workers: r.numWorkers, version: r.version, created: r.created };
    }),
    Pull: unary<PullRequest, PullReply>('Pull', async (req, call) => {
      const { result, cancel } = registry.pull(req.run_id, req.rank, req.min_version, req.wait_ms);
      // A worker that goes away mid-wait (killed, handed over) must not leave its waiter behind.
      call.once('cancelled', cancel);
      try {
        const pulled = await result;
        return { version: pulled.version, params: pulled.params, update_seconds: pulled.updateSeconds };
      } finally {
        call.off('cancelled', cancel);
      }
    }),
    Push: unary<PushRequest, PushReply>('Push', (req) => {
      const p = registry.push(req.run_id, req.rank, req.step, req.gradient);
      if (p.waitingFor.length === 0 && p.accepted) log.debug('update applied', { runId: req.run_id, version: p.version });
      return { version: p.version, accepted: p.accepted, waiting_for: p.waitingFor };
    }),
    Delete: unary<DeleteRequest, DeleteReply>('Delete', (req) => {
      const deleted = registry.delete(req.run_id);
      log.info('model deleted', { runId: req.run_id, existed: deleted });
      return { deleted };
    }),
  };
}

export async function startParameterServer(opts: ParameterServerOptions): Promise<RunningParameterServer> {
  const registry = new ModelRegistry(opts);
  const { service } = parameterServerDefinition();
  const server = new grpc.Server(CHANNEL_OPTIONS);
  const log = opts.log;
  const expected = opts.token ? Buffer.from(`Bearer ${opts.token}`) : undefined;
  server.addService(service, rpcHandlers(registry, log, unaryCalls(log, expected), Date.now()));

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${opts.host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const sweeper = setInterval(() => {
    for (const runId of registry.expireIdle()) log.warn('idle model expired', { runId });
  }, opts.expiryIntervalMs ?? 60_000);
  sweeper.unref();
  log.info('parameter server listening', { host: opts.host, port, auth: expected ? 'token' : 'none', maxWaitMs: registry.maxWaitMs });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= new Promise<void>((resolve) => {
    clearInterval(sweeper);
    registry.close();
    // Pending calls were just answered; give them a moment to flush, then cut what is left.
    const force = setTimeout(() => server.forceShutdown(), 2000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  }));
  return { port, address: `${opts.host}:${port}`, registry, stop };
}
