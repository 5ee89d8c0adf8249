import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { trackChild } from '../processes';
import type { InvokeReply, InvokeRequest } from './protocol';
import type { LocalFunctionDefinition, ServiceDefinition } from './service-definition';

// A local server for the AWS Lambda Invoke API. Each invocation runs in its own child process, so N
// workers compute in parallel on separate cores, and a crash or a timeout kills only that invocation.

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
  /** The process running it (tests kill it to play a dead worker). */
  pid?: number;
  /** rank and invocation number when the event has them, to name a failed worker. */
  rank?: number;
  invocation?: number;
}

export interface InvokeOutcome {
  statusCode: number;
  payload?: unknown;
  functionError?: { errorType: string; errorMessage: string };
}

export interface LocalLambdaOptions {
  services: ServiceDefinition[];
  /** Environment every invocation gets (server endpoints, credentials for the emulators). */
  env: Record<string, string>;
  /** Folder for <function>.jsonl log files. */
  logsDir: string;
  /** Per-function timeout in seconds, overriding serverless.yml (tests of the time limit). */
  timeoutOverrides?: Record<string, number>;
}

const EVENT_PAYLOAD_LIMIT = 1024 * 1024; // Lambda's limit for asynchronous invocations
const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const CHILD_ENTRY = path.join(__dirname, 'child.ts');

export class LocalLambda {
  private readonly functions = new Map<string, LocalFunctionDefinition>();
  private readonly records: InvocationRecord[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly logs = new Map<string, number>();
  private readonly idleWaiters: (() => void)[] = [];
  private server?: http.Server;
  private stopped = false;
  endpoint = '';

  private constructor(private readonly opts: LocalLambdaOptions) {
    for (const svc of opts.services) for (const fn of Object.values(svc.functions)) this.functions.set(fn.functionName, fn);
    mkdirSync(opts.logsDir, { recursive: true });
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

  invocations(): readonly InvocationRecord[] {
    return this.records;
  }

  running(): number {
    return this.records.filter((r) => r.status === 'running').length;
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

  async stop(): Promise<void> {
    this.stopped = true;
    for (const child of this.children) child.kill('SIGKILL');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    for (const fd of this.logs.values()) closeSync(fd);
    this.logs.clear();
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
    const child = fork(CHILD_ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...this.opts.env,
        ...fn.environment,
        ...this.env,
        AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.children.add(child);
    record.pid = child.pid;
    const untrack = trackChild(child, `lambda ${fn.key} ${requestId}`);
    pipeLines(child.stdout!, (line) => this.append(fn.key, asLogLine(line, fn.key, requestId, 'stdout')));
    pipeLines(child.stderr!, (line) => this.append(fn.key, asLogLine(line, fn.key, requestId, 'stderr')));

    return new Promise<InvokeOutcome>((resolve) => {
      // The invocation ends when its process is gone and its output drained ('close'), so a
      // finished invocation's logs are complete and a timed-out one no longer runs.
      let reply: InvokeReply | undefined;
      let timedOut = false;
      let spawnError: Error | undefined;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutSeconds * 1000);

      const finish = (status: InvocationRecord['status'], result: InvokeOutcome): void => {
        clearTimeout(timer);
        record.status = status;
        record.endedAt = Date.now();
        if (result.functionError) record.error = `${result.functionError.errorType}: ${result.functionError.errorMessage}`;
        this.append(fn.key, JSON.stringify({
          time: new Date().toISOString(), level: status === 'succeeded' ? 'info' : 'error', function: fn.key, requestId,
          message: 'REPORT', status, durationMs: record.endedAt - record.startedAt, memoryMb: fn.memoryMb, ...(record.error ? { error: record.error } : {}),
        }) + '\n');
        resolve(result);
        if (this.running() === 0) this.idleWaiters.splice(0).forEach((w) => w());
      };

      child.on('message', (message: InvokeReply) => { reply = message; });
      child.on('error', (err) => { spawnError = err; });
      child.on('close', (code, signal) => {
        this.children.delete(child);
        untrack();
        if (timedOut) {
          finish('timed-out', { statusCode: 200, functionError: { errorType: 'TimeoutError', errorMessage: `Task timed out after ${timeoutSeconds} seconds` } });
        } else if (reply?.ok) {
          finish('succeeded', { statusCode: 200, payload: reply.value });
        } else if (reply) {
          finish('failed', { statusCode: 200, functionError: { errorType: reply.errorType, errorMessage: reply.errorMessage } });
        } else {
          const why = spawnError?.message ?? `exited (code ${code}, signal ${signal}) before returning`;
          finish('crashed', { statusCode: 200, functionError: { errorType: 'Runtime.ExitError', errorMessage: `the process running ${fn.key} ${why}` } });
        }
      });
      const request: InvokeRequest = {
        type: 'invoke', handlerFile: fn.handlerFile, exportName: fn.exportName, event, functionName: fn.functionName,
        requestId, memoryMb: fn.memoryMb, deadline: Date.now() + timeoutSeconds * 1000,
      };
      child.send(request);
    });
  }

  /** Log lines are appended synchronously: ordered, and on disk when an invocation ends. */
  private append(key: string, text: string): void {
    if (this.stopped) return; // output of processes killed by stop() is not kept
    let fd = this.logs.get(key);
    if (fd === undefined) {
      fd = openSync(path.join(this.opts.logsDir, `${key}.jsonl`), 'a');
      this.logs.set(key, fd);
    }
    writeSync(fd, text);
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.endpoint = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** POST /2015-03-31/functions/{FunctionName}/invocations, as the AWS SDK sends it. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
    const body = await readBody(req);
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

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
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
