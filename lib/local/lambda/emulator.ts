import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { LogFiles } from '../log-files';
import { isWarmUpEvent } from '../../functions/warm-up';
import { LOCAL_ACCOUNT_ID } from '../local-identity';
import { serveLambdaApi, type LambdaApiServer } from './api';
import { bundleEntries, bundleEntry, COMPILE_CACHE_DIR } from './bundles';
import { failureDestinationRecord } from './destination-record';
import { Invocation } from './invocation';
import { SandboxPool, type FunctionCode, type Stream } from './sandbox-pool';
import type { LocalFunctionDefinition, ServiceDefinition } from './service-definition';
import type { InvocationRecord, InvocationType, InvokeOutcome, LambdaInvokeTarget } from './types';

// A local server for the AWS Lambda Invoke API. Invocations run in child processes ("sandboxes"),
// so N workers compute in parallel on separate cores, and a crash or a timeout kills only that
// invocation. The sandboxes run the functions' esbuild bundles, built as `sls package` builds them.

export type { InvocationRecord, InvocationType, InvokeOutcome, LambdaInvokeTarget, ProcessExit } from './types';

export interface LocalLambdaOptions {
  services: ServiceDefinition[];
  /** Environment every invocation gets (server endpoints, credentials for the emulators). */
  env: Record<string, string>;
  /** Folder for <function>.jsonl log files. */
  logsDir: string;
  /** Per-function timeout in seconds, overriding serverless.yml (tests of the time limit). */
  timeoutOverrides?: Record<string, number>;
  /** Deliver a failed Event invocation to its function's on-failure destination, as Lambda does (default true). */
  destinations?: boolean;
  /** Reuse a finished invocation's process for the next one of the same function (default true). */
  warm?: boolean;
  /** How long an idle process stays warm before it is stopped, in ms (default 5 minutes). */
  idleTimeoutMs?: number;
  /** Told what the emulator is doing while it starts (bundling). */
  onProgress?: (message: string) => void;
}

const EVENT_PAYLOAD_LIMIT = 1024 * 1024; // Lambda's limit for asynchronous invocations
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const CHILD_SOURCE = path.join(__dirname, 'child.ts');
// Lambda keeps an idle sandbox for minutes; a shorter reap makes slow rounds (SPIRT on a loaded
// machine) pay a cold start on every invocation.
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
const STOP_WAIT_MS = 2_000; // SIGKILLed processes are gone within milliseconds
/** How long stop() lets on-failure destinations being delivered finish (they mark a run failed). */
const DELIVERY_WAIT_MS = 3_000;
/** Set to 1 to keep serverless.yml's --enable-source-maps in local sandboxes (stack traces in .ts terms). */
export const SOURCE_MAPS_ENV = 'MLTRAIN_SOURCE_MAPS';

export class LocalLambda implements LambdaInvokeTarget {
  private readonly functions = new Map<string, LocalFunctionDefinition>();
  private readonly records: InvocationRecord[] = [];
  private readonly logs: LogFiles;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly endListeners: ((record: InvocationRecord) => void)[] = [];
  private readonly invocationEnv: Record<string, string>;
  private readonly deliveries = new Set<Promise<unknown>>();
  private pool!: SandboxPool;
  private api?: LambdaApiServer;
  private stopped = false;
  endpoint = '';

  private constructor(private readonly opts: LocalLambdaOptions) {
    for (const svc of opts.services) for (const fn of Object.values(svc.functions)) this.functions.set(fn.functionName, fn);
    this.invocationEnv = { ...opts.env };
    mkdirSync(opts.logsDir, { recursive: true });
    this.logs = new LogFiles(opts.logsDir);
  }

  static async start(opts: LocalLambdaOptions): Promise<LocalLambda> {
    const lambda = new LocalLambda(opts);
    const { childEntry, code } = await lambda.bundle();
    lambda.pool = new SandboxPool({
      childEntry, compileCacheDir: COMPILE_CACHE_DIR, code: (fn) => code.get(fn.handlerFile) ?? { error: `${fn.handlerFile} was not bundled` },
      env: (fn) => lambda.processEnv(fn),
      onLine: (fn, stream, requestId, text) => lambda.append(fn.key, asLogLine(text, fn.key, requestId, stream)),
      warm: opts.warm !== false, idleTimeoutMs: opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    });
    lambda.api = await serveLambdaApi(lambda);
    lambda.endpoint = lambda.api.endpoint;
    return lambda;
  }

  /** The environment variable that points the AWS SDK's Lambda client here. */
  get env(): Record<string, string> {
    return { AWS_ENDPOINT_URL_LAMBDA: this.endpoint };
  }

  /**
   * Adds variables to every later invocation's environment (a server started after the emulator,
   * e.g. the local Step Functions). Idle processes, started with the old environment, are stopped.
   */
  extendEnv(vars: Record<string, string>): void {
    Object.assign(this.invocationEnv, vars);
    this.pool.renew();
  }

  invocations(): readonly InvocationRecord[] {
    return this.records;
  }

  running(): number {
    return this.records.filter((r) => r.status === 'running').length;
  }

  /** Processes alive now (busy or idle), for tests and diagnostics. */
  processes(): { functionKey: string; pid: number; busy: boolean }[] {
    return this.pool.processes();
  }

  /** Resolves when no invocation is running (checked after each invocation ends). */
  whenIdle(): Promise<void> {
    if (this.running() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Calls `listener` as each invocation ends (a crashed one as soon as its process is gone). */
  onInvocationEnd(listener: (record: InvocationRecord) => void): () => void {
    this.endListeners.push(listener);
    return () => this.endListeners.splice(this.endListeners.indexOf(listener) >>> 0, 1);
  }

  async invoke(functionName: string, payload: unknown, type: InvocationType = 'RequestResponse'): Promise<InvokeOutcome> {
    const fn = this.functions.get(functionName);
    if (!fn) {
      const known = [...this.functions.keys()].join(', ');
      return { statusCode: 404, payload: { Type: 'User', message: `Function not found: ${functionName} (known: ${known})` } };
    }
    const size = Buffer.byteLength(JSON.stringify(payload ?? null));
    const limit = type === 'Event' ? EVENT_PAYLOAD_LIMIT : SYNC_PAYLOAD_LIMIT;
    if (size > limit) {
      return { statusCode: 413, payload: { Type: 'User', message: `payload of ${size} bytes exceeds Lambda's ${limit}-byte limit for ${type} invocations` } };
    }
    const running = this.run(fn, payload, type);
    if (type === 'Event') {
      running.catch(() => undefined); // recorded and logged by run()
      return { statusCode: 202 };
    }
    return running;
  }

  /** Kills every process, busy or idle, and waits (briefly) until they are gone. */
  async stop(): Promise<void> {
    if (this.deliveries.size) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(this.deliveries), new Promise((resolve) => { timer = setTimeout(resolve, DELIVERY_WAIT_MS); })]);
      clearTimeout(timer);
    }
    this.stopped = true;
    await this.pool?.stopAll(STOP_WAIT_MS);
    await this.api?.close();
    this.logs.close();
  }

  /** Bundles the child entry and every function's handler file (cached by content). */
  private async bundle(): Promise<{ childEntry: string; code: Map<string, FunctionCode> }> {
    const files = [...new Set([...this.functions.values()].map((fn) => fn.handlerFile))];
    const t0 = Date.now();
    this.opts.onProgress?.(`bundling ${files.length} handler${files.length === 1 ? '' : 's'} with esbuild (as sls package does; cached by content)`);
    const [childEntry, code] = await Promise.all([bundleEntry(CHILD_SOURCE), bundleEntries(files)]);
    this.opts.onProgress?.(`handlers bundled in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { childEntry, code };
  }

  private processEnv(fn: LocalFunctionDefinition): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env, ...this.invocationEnv, ...fn.environment, ...this.env,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName, AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    };
    // serverless.base.yml's --enable-source-maps makes Node decode a bundle's whole source map at
    // load: 40% of a gradient function's cold start CPU here. Locally it is off unless asked for.
    if (process.env[SOURCE_MAPS_ENV] !== '1' && env.NODE_OPTIONS) env.NODE_OPTIONS = env.NODE_OPTIONS.replace(/(^|\s)--enable-source-maps(?=\s|$)/g, '').trim();
    return env;
  }

  private run(fn: LocalFunctionDefinition, event: unknown, type: InvocationType): Promise<InvokeOutcome> {
    if (this.stopped) return Promise.resolve({ statusCode: 503, payload: { message: 'the local Lambda runtime is stopping' } });
    const record = newRecord(fn, event, type);
    this.records.push(record);
    const affinity = record.worker;
    // A warm-up asks for a sandbox of its own worker: given another worker's idle one (a peer that
    // warmed up a moment earlier), the workers' first round would find one sandbox for two and start
    // the missing one on the round's path, which the warm-up exists to avoid.
    const reused = this.pool.take(fn, affinity, affinity !== undefined && isWarmUpEvent(event));
    const sandbox = reused ?? this.pool.spawn(fn, record.requestId, affinity);
    record.pid = sandbox.child.pid;
    record.warm = !!reused;
    return new Promise<InvokeOutcome>((resolve) => {
      new Invocation({
        fn, record, event, sandbox, reused: !!reused,
        timeoutSeconds: this.opts.timeoutOverrides?.[fn.key] ?? fn.timeoutSeconds,
        invokedFunctionArn: this.arnOf(fn),
        finish: (status, outcome) => {
          this.finish(record, status, outcome);
          if (type === 'Event' && status !== 'succeeded') this.sendToDestination(fn, record, event, outcome);
          resolve(outcome);
        },
        release: (s) => this.pool.release(s, this.stopped),
      }).start();
    });
  }

  private finish(record: InvocationRecord, status: InvocationRecord['status'], result: InvokeOutcome): void {
    record.status = status;
    record.endedAt = Date.now();
    if (result.functionError) record.error = `${result.functionError.errorType}: ${result.functionError.errorMessage}`;
    this.append(record.functionKey, JSON.stringify({
      time: new Date().toISOString(), level: status === 'succeeded' ? 'info' : 'error', function: record.functionKey, requestId: record.requestId,
      message: 'REPORT', status, durationMs: record.endedAt - record.startedAt, memoryMb: record.memoryMb, warm: record.warm,
      ...(record.worker !== undefined ? { worker: record.worker } : {}),
      ...(record.initMs !== undefined ? { initDurationMs: record.initMs } : {}),
      ...(record.error ? { error: record.error } : {}),
    }) + '\n');
    if (!this.stopped) for (const listener of [...this.endListeners]) listener(record);
    if (this.running() === 0) this.idleWaiters.splice(0).forEach((w) => w());
  }

  /** As Lambda does: a failed asynchronous invocation's record goes to the function's on-failure destination. */
  private sendToDestination(fn: LocalFunctionDefinition, record: InvocationRecord, event: unknown, outcome: InvokeOutcome): void {
    const destination = fn.onFailure === undefined ? undefined : this.functions.get(fn.onFailure);
    if (!destination || this.stopped || this.opts.destinations === false) return;
    const delivery = this.run(destination, failureDestinationRecord(record, this.arnOf(fn), event, outcome), 'Event');
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private arnOf(fn: LocalFunctionDefinition): string {
    return `arn:aws:lambda:${this.regionOf(fn)}:${LOCAL_ACCOUNT_ID}:function:${fn.functionName}`;
  }

  private regionOf(fn: LocalFunctionDefinition): string {
    return fn.environment.AWS_REGION ?? this.invocationEnv.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1';
  }

  private append(key: string, text: string): void {
    if (!this.stopped) this.logs.append(key, text); // output of processes killed by stop() is not kept
  }
}

function newRecord(fn: LocalFunctionDefinition, event: unknown, type: InvocationType): InvocationRecord {
  const record: InvocationRecord = {
    requestId: randomUUID(), functionName: fn.functionName, functionKey: fn.key, type, memoryMb: fn.memoryMb, startedAt: Date.now(), status: 'running',
  };
  const e = (event ?? {}) as { rank?: unknown; invocation?: unknown };
  if (typeof e.rank === 'number') record.rank = e.rank;
  if (typeof e.invocation === 'number') record.invocation = e.invocation;
  const worker = affinityOf(event);
  if (worker !== undefined) record.worker = worker;
  return record;
}

/** The worker an event is for (a SPIRT peer, a collective's rank), if it names one. */
export function affinityOf(event: unknown): string | undefined {
  const e = (event ?? {}) as { peer?: unknown; rank?: unknown };
  if (typeof e.peer === 'number') return `peer ${e.peer}`;
  if (typeof e.rank === 'number') return `rank ${e.rank}`;
  return undefined;
}

/** Handlers log JSON lines; anything else (a library's print) is wrapped so the file stays JSON lines. */
function asLogLine(line: string, fn: string, requestId: string, stream: Stream): string {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ ...parsed, function: parsed.function ?? fn, requestId }) + '\n';
    } catch {
      // not JSON after all: wrap it below
    }
  }
  return JSON.stringify({ time: new Date().toISOString(), level: stream === 'stderr' ? 'warn' : 'info', function: fn, requestId, stream, message: line }) + '\n';
}
