import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { trackChild } from '../processes';
import { parseSentinel, SENTINEL, type InitReply, type InvokeReply, type InvokeRequest } from './protocol';
import type { LocalFunctionDefinition, ServiceDefinition } from './service-definition';
import { LogFiles } from '../log-files';
import { listenOnLoopback, readRequestBody } from '../servers/http-listener';

// A local server for the AWS Lambda Invoke API. Invocations run in child processes ("sandboxes"),
// so N workers compute in parallel on separate cores, and a crash or a timeout kills only that
// invocation. As on Lambda, a sandbox stays warm after an invocation and the next invocation of the
// same function reuses it (module state persists); a new one starts only when none is idle.

export type InvocationType = 'Event' | 'RequestResponse';

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  functionKey: string;
  type: InvocationType;
  memoryMb: number;
  startedAt: number;
  endedAt?: number;
  status: 'running' | 'succeeded' | 'failed' | 'timed-out' | 'crashed';
  error?: string;
  /** The process that ran it (tests kill it to play a dead worker). */
  pid?: number;
  /** Whether it ran in a sandbox an earlier invocation had started (a warm start). */
  warm?: boolean;
  /** Cold start only: ms from the request until the new process had loaded the handler (Lambda's Init Duration). */
  initMs?: number;
  /** rank and invocation number when the event has them, to name a failed worker. */
  rank?: number;
  invocation?: number;
}

export interface InvokeOutcome {
  statusCode: number;
  payload?: unknown;
  functionError?: { errorType: string; errorMessage: string };
}

/** What the local Step Functions need of the emulator (tests may hand in something smaller). */
export interface LambdaInvoker {
  invoke(functionName: string, payload: unknown, type?: InvocationType): Promise<InvokeOutcome>;
}

export interface LocalLambdaOptions {
  services: ServiceDefinition[];
  /** Environment every invocation gets (server endpoints, credentials for the emulators). */
  env: Record<string, string>;
  /** Folder for <function>.jsonl log files. */
  logsDir: string;
  /** Per-function timeout in seconds, overriding serverless.yml (tests of the time limit). */
  timeoutOverrides?: Record<string, number>;
  /** Reuse a finished invocation's process for the next one of the same function (default true). */
  warm?: boolean;
  /** How long an idle process stays warm before it is stopped, in ms (default 5 minutes). */
  idleTimeoutMs?: number;
}

const EVENT_PAYLOAD_LIMIT = 1024 * 1024; // Lambda's limit for asynchronous invocations
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const CHILD_ENTRY = path.join(__dirname, 'child.ts');
// Lambda keeps an idle sandbox for minutes; a shorter reap makes slow rounds (SPIRT on a loaded
// machine) pay a cold start on every invocation.
export const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
/** Lambda's init phase limit; locally the init may also use the function's timeout (Lambda retries a slow init within it). */
const INIT_LIMIT_SECONDS = 10;
const STOP_WAIT_MS = 2_000; // SIGKILLed processes are gone within milliseconds
const LOCAL_ACCOUNT_ID = '000000000000';

type Stream = 'stdout' | 'stderr';

/** The invocation a sandbox is running, and what has come back of it so far. */
interface Active {
  requestId: string;
  reply?: InvokeReply;
  ended: Record<Stream, boolean>;
  /** Set when the emulator kills the process: during its init phase or during the invocation. */
  timedOut?: 'init' | 'invocation';
  /** The handler failed to load (init phase): the invocation fails with this error. */
  initFailure?: { errorType: string; errorMessage: string };
  done: boolean;
  /** Ends the invocation from what has come back (reply, or the process gone). */
  settle: (how: 'complete' | 'gone', exit?: string) => void;
}

/** One child process, serving one function's invocations one at a time. */
interface Sandbox {
  fn: LocalFunctionDefinition;
  child: ChildProcess;
  /** Environment generation it was started with; an older one is not reused. */
  generation: number;
  /** Which invocation printed the lines now arriving on each stream. */
  printing: Record<Stream, string>;
  active?: Active;
  idleTimer?: NodeJS.Timeout;
  exited: boolean;
  /** Resolves once the process is gone and its output drained. */
  closed: Promise<void>;
  /** Resolves when the process has loaded the handler (or failed to). */
  ready: Promise<InitReply>;
  spawnError?: Error;
  untrack: () => void;
}

export class LocalLambda implements LambdaInvoker {
  private readonly functions = new Map<string, LocalFunctionDefinition>();
  private readonly records: InvocationRecord[] = [];
  private readonly sandboxes = new Set<Sandbox>();
  /** Idle processes by function name: two services may both have a function called `worker`. */
  private readonly idle = new Map<string, Sandbox[]>();
  private readonly logs: LogFiles;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly invocationEnv: Record<string, string>;
  private generation = 0;
  private server?: http.Server;
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
    await lambda.listen();
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
    this.generation++;
    for (const pool of this.idle.values()) for (const sandbox of pool.splice(0)) this.retire(sandbox);
  }

  invocations(): readonly InvocationRecord[] {
    return this.records;
  }

  running(): number {
    return this.records.filter((r) => r.status === 'running').length;
  }

  /** Processes alive now (busy or idle), for tests and diagnostics. */
  processes(): { functionKey: string; pid: number; busy: boolean }[] {
    return [...this.sandboxes].filter((s) => !s.exited).map((s) => ({ functionKey: s.fn.key, pid: s.child.pid!, busy: !!s.active }));
  }

  /** Resolves when no invocation is running (checked after each invocation ends). */
  whenIdle(): Promise<void> {
    if (this.running() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    this.stopped = true;
    for (const sandbox of this.sandboxes) sandbox.child.kill('SIGKILL');
    for (const pool of this.idle.values()) for (const sandbox of pool) clearTimeout(sandbox.idleTimer);
    this.idle.clear();
    const gone = Promise.all([...this.sandboxes].map((s) => s.closed));
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.logs.close();
  }

  private run(fn: LocalFunctionDefinition, event: unknown, type: InvocationType): Promise<InvokeOutcome> {
    if (this.stopped) return Promise.resolve({ statusCode: 503, payload: { message: 'the local Lambda runtime is stopping' } });
    const requestId = randomUUID();
    const timeoutSeconds = this.opts.timeoutOverrides?.[fn.key] ?? fn.timeoutSeconds;
    const record: InvocationRecord = {
      requestId, functionName: fn.functionName, functionKey: fn.key, type, memoryMb: fn.memoryMb, startedAt: Date.now(), status: 'running',
    };
    const e = (event ?? {}) as { rank?: unknown; invocation?: unknown };
    if (typeof e.rank === 'number') record.rank = e.rank;
    if (typeof e.invocation === 'number') record.invocation = e.invocation;
    this.records.push(record);
    const reused = this.takeIdle(fn);
    const sandbox = reused ?? this.spawn(fn, requestId);
    record.pid = sandbox.child.pid;
    record.warm = !!reused;

    return new Promise<InvokeOutcome>((resolve) => {
      // As on Lambda, the function's timeout starts once its process has loaded the handler (the
      // init phase, bounded on its own); a warm process is ready at once.
      let timer: NodeJS.Timeout | undefined;
      const initLimitSeconds = INIT_LIMIT_SECONDS + timeoutSeconds;
      const initTimer = reused ? undefined : setTimeout(() => {
        active.timedOut = 'init';
        sandbox.child.kill('SIGKILL');
      }, initLimitSeconds * 1000);

      const finish = (status: InvocationRecord['status'], result: InvokeOutcome): void => {
        clearTimeout(timer);
        clearTimeout(initTimer);
        record.status = status;
        record.endedAt = Date.now();
        if (result.functionError) record.error = `${result.functionError.errorType}: ${result.functionError.errorMessage}`;
        this.append(fn.key, JSON.stringify({
          time: new Date().toISOString(), level: status === 'succeeded' ? 'info' : 'error', function: fn.key, requestId,
          message: 'REPORT', status, durationMs: record.endedAt - record.startedAt, memoryMb: fn.memoryMb, warm: record.warm,
          ...(record.initMs !== undefined ? { initDurationMs: record.initMs } : {}),
          ...(record.error ? { error: record.error } : {}),
        }) + '\n');
        resolve(result);
        if (this.running() === 0) this.idleWaiters.splice(0).forEach((w) => w());
      };

      // The invocation ends once the reply and both streams' end sentinels are in (so its logs are
      // complete), or once its process is gone and its output drained (a crash or a timeout).
      const active: Active = {
        requestId, ended: { stdout: false, stderr: false }, done: false,
        settle: (how, exit) => {
          if (active.done) return;
          const { reply } = active;
          if (how === 'complete' && !(reply && active.ended.stdout && active.ended.stderr)) return;
          if (how === 'complete' && active.timedOut) return; // being killed: its 'close' reports the timeout
          active.done = true;
          sandbox.active = undefined;
          if (active.timedOut === 'init') {
            finish('timed-out', { statusCode: 200, functionError: { errorType: 'TimeoutError', errorMessage: `Init timed out: the process running ${fn.key} did not load its handler within ${initLimitSeconds} seconds` } });
          } else if (active.timedOut) {
            finish('timed-out', { statusCode: 200, functionError: { errorType: 'TimeoutError', errorMessage: `Task timed out after ${timeoutSeconds} seconds` } });
          } else if (active.initFailure) {
            finish('failed', { statusCode: 200, functionError: { errorType: active.initFailure.errorType, errorMessage: active.initFailure.errorMessage } });
          } else if (how === 'complete' && reply?.ok) {
            finish('succeeded', { statusCode: 200, payload: reply.value });
          } else if (how === 'complete' && reply && !reply.ok) {
            finish('failed', { statusCode: 200, functionError: { errorType: reply.errorType, errorMessage: reply.errorMessage } });
          } else {
            const why = sandbox.spawnError?.message ?? `exited (${exit}) before returning`;
            finish('crashed', { statusCode: 200, functionError: { errorType: 'Runtime.ExitError', errorMessage: `the process running ${fn.key} ${why}` } });
          }
          if (how === 'complete') this.release(sandbox);
        },
      };
      sandbox.active = active;

      const dispatch = (): void => {
        if (active.done || sandbox.exited || !sandbox.child.connected) return; // gone meanwhile: its 'close' ends the invocation
        timer = setTimeout(() => {
          active.timedOut = 'invocation';
          sandbox.child.kill('SIGKILL'); // never reused: the 'close' that follows ends the invocation
        }, timeoutSeconds * 1000);
        const request: InvokeRequest = {
          type: 'invoke', event, functionName: fn.functionName,
          invokedFunctionArn: `arn:aws:lambda:${this.regionOf(fn)}:${LOCAL_ACCOUNT_ID}:function:${fn.functionName}`,
          requestId, memoryMb: fn.memoryMb, deadline: Date.now() + timeoutSeconds * 1000,
        };
        sandbox.child.send(request, (err) => { if (err) sandbox.child.kill('SIGKILL'); });
      };
      if (reused) return dispatch();
      void sandbox.ready.then((init) => {
        clearTimeout(initTimer);
        if (active.done) return;
        record.initMs = Date.now() - record.startedAt;
        if (init.ok) return dispatch();
        // A handler that cannot load fails the invocation once its output is drained ('close');
        // its process is not reused, as on Lambda.
        active.initFailure = init;
        sandbox.child.kill('SIGKILL');
      });
    });
  }

  private regionOf(fn: LocalFunctionDefinition): string {
    return fn.environment.AWS_REGION ?? this.invocationEnv.AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1';
  }

  /** The most recently used idle process of this function (LIFO keeps few processes hot), if any. */
  private takeIdle(fn: LocalFunctionDefinition): Sandbox | undefined {
    const pool = this.idle.get(fn.functionName);
    for (let sandbox = pool?.pop(); sandbox; sandbox = pool?.pop()) {
      clearTimeout(sandbox.idleTimer);
      if (sandbox.exited || sandbox.generation !== this.generation) {
        this.retire(sandbox);
        continue;
      }
      holdLoop(sandbox.child, true);
      return sandbox;
    }
    return undefined;
  }

  private spawn(fn: LocalFunctionDefinition, firstRequestId: string): Sandbox {
    const child = fork(CHILD_ENTRY, [fn.handlerFile, fn.exportName], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...this.invocationEnv,
        ...fn.environment,
        ...this.env,
        AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const sandbox: Sandbox = {
      fn, child, generation: this.generation, printing: { stdout: firstRequestId, stderr: firstRequestId }, exited: false, untrack: () => undefined,
      closed: new Promise((resolve) => child.once('close', () => resolve())),
      ready: new Promise((resolve) => child.once('message', (m: InitReply) => resolve(m))), // the first message
    };
    this.sandboxes.add(sandbox);
    sandbox.untrack = trackChild(child, `lambda ${fn.key} sandbox`);
    for (const stream of ['stdout', 'stderr'] as const) pipeLines(child[stream]!, (line) => this.onLine(sandbox, stream, line));
    child.on('message', (reply: InvokeReply | InitReply) => {
      const active = sandbox.active;
      if (reply.type !== 'result' || !active || reply.requestId !== active.requestId) return;
      active.reply = reply;
      active.settle('complete');
    });
    child.on('error', (err) => { sandbox.spawnError = err; });
    child.on('exit', () => {
      sandbox.exited = true;
      clearTimeout(sandbox.idleTimer);
      this.dropIdle(sandbox);
    });
    child.on('close', (code, signal) => {
      sandbox.exited = true;
      this.sandboxes.delete(sandbox);
      sandbox.untrack();
      sandbox.active?.settle('gone', `code ${code}, signal ${signal}`);
    });
    return sandbox;
  }

  /** Routes a line to the log of the invocation that printed it; sentinels mark where each begins and ends. */
  private onLine(sandbox: Sandbox, stream: Stream, line: string): void {
    const at = line.indexOf(SENTINEL);
    const mark = at >= 0 ? parseSentinel(line.slice(at)) : undefined;
    const text = mark ? line.slice(0, at) : line; // a sentinel can follow an unterminated print
    if (text) this.append(sandbox.fn.key, asLogLine(text, sandbox.fn.key, sandbox.printing[stream], stream));
    if (!mark) return;
    if (mark.kind === 'start') {
      sandbox.printing[stream] = mark.requestId;
    } else if (sandbox.active?.requestId === mark.requestId) {
      sandbox.active.ended[stream] = true;
      sandbox.active.settle('complete');
    }
  }

  /** A finished invocation's process waits, idle, for the next invocation of its function. */
  private release(sandbox: Sandbox): void {
    if (this.stopped || this.opts.warm === false || sandbox.exited || sandbox.generation !== this.generation) {
      this.retire(sandbox);
      return;
    }
    holdLoop(sandbox.child, false); // an idle sandbox does not keep this process alive
    sandbox.idleTimer = setTimeout(() => {
      this.dropIdle(sandbox);
      this.retire(sandbox);
    }, this.opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    sandbox.idleTimer.unref();
    const pool = this.idle.get(sandbox.fn.functionName) ?? [];
    pool.push(sandbox);
    this.idle.set(sandbox.fn.functionName, pool);
  }

  private dropIdle(sandbox: Sandbox): void {
    const pool = this.idle.get(sandbox.fn.functionName);
    const at = pool?.indexOf(sandbox) ?? -1;
    if (at >= 0) pool!.splice(at, 1);
  }

  private retire(sandbox: Sandbox): void {
    clearTimeout(sandbox.idleTimer);
    if (!sandbox.exited) sandbox.child.kill('SIGKILL');
  }

  private append(key: string, text: string): void {
    if (!this.stopped) this.logs.append(key, text); // output of processes killed by stop() is not kept
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.endpoint = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
  }

  /** POST /2015-03-31/functions/{FunctionName}/invocations, as the AWS SDK sends it. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const body = await readRequestBody(req);
    if (req.method !== 'POST' || !match) {
      return reply(res, 404, { message: `unsupported request ${req.method} ${req.url}` }, { 'x-amzn-ErrorType': 'UnknownOperationException' });
    }
    let payload: unknown = null;
    try {
      payload = body.length ? JSON.parse(body.toString('utf8')) : null;
    } catch {
      return reply(res, 400, { Type: 'User', message: 'Could not parse request body into json' }, { 'x-amzn-ErrorType': 'InvalidRequestContentException' });
    }
    const name = decodeURIComponent(match[1]).split(':').pop()!; // accepts a name or an ARN
    const typeHeader = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const type: InvocationType = typeHeader === 'Event' ? 'Event' : 'RequestResponse';
    const outcome = await this.invoke(name, payload, type);
    if (outcome.statusCode === 404) return reply(res, 404, outcome.payload, { 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    if (outcome.statusCode === 413) return reply(res, 413, outcome.payload, { 'x-amzn-ErrorType': 'RequestTooLargeException' });
    if (outcome.statusCode === 202) return reply(res, 202, undefined);
    if (outcome.functionError) return reply(res, 200, outcome.functionError, { 'X-Amz-Function-Error': 'Unhandled' });
    return reply(res, outcome.statusCode, outcome.payload);
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID(), ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}


/** Whether the child (its IPC channel and output pipes) keeps this process's event loop alive. */
function holdLoop(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stdout as Socket | null, child.stderr as Socket | null];
  for (const h of handles) if (h) (hold ? h.ref() : h.unref());
}

function pipeLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', onLine);
}

/** Handlers log JSON lines; anything else (a library's print) is wrapped so the file stays JSON lines. */
function asLogLine(line: string, fn: string, requestId: string, stream: 'stdout' | 'stderr'): string {
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
