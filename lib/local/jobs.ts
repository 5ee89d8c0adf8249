import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { assertRunId } from '../frameworks/run/run-keys';
import { trackChild } from './processes';
import { LogFiles } from './log-files';
import { listenOnLoopback, readRequestBody } from './servers/http-listener';

// Long-running jobs that a function starts outside Lambda: on AWS an EC2 instance (the GPU
// trainer), here a child process of the runtime. The runtime serves a tiny HTTP API on 127.0.0.1
// that the local launcher calls, so the job is the runtime's own child: tracked, its output
// written to runs/<runId>/logs/<name>.jsonl like a function's, and stopped with the run.

/** The jobs a launcher may ask for, by name: never an arbitrary command. */
export const LOCAL_JOB_TYPES = {
  'gpu-trainer': { entry: 'gpu/job.ts', logName: 'trainer', args: (runId: string) => ['--run', runId] },
} as const;

export type LocalJobType = keyof typeof LOCAL_JOB_TYPES;

export interface LocalJobRecord {
  jobId: string;
  job: LocalJobType;
  runId: string;
  pid: number;
  startedAt: number;
  endedAt?: number;
  status: 'running' | 'succeeded' | 'failed';
  exitCode?: number | null;
  signal?: NodeJS.Signals | null;
}

export interface LocalJobsOptions {
  repoRoot: string;
  /** Environment of every job (server endpoints, emulator credentials, the bucket). */
  env: Record<string, string>;
  logsDir: string;
}

export class LocalJobs {
  private readonly records: LocalJobRecord[] = [];
  private readonly children = new Map<string, ChildProcess>();
  private readonly logs: LogFiles;
  private server?: http.Server;
  private stopped = false;
  endpoint = '';

  private constructor(private readonly opts: LocalJobsOptions) {
    mkdirSync(opts.logsDir, { recursive: true });
    this.logs = new LogFiles(opts.logsDir);
  }

  static async start(opts: LocalJobsOptions): Promise<LocalJobs> {
    const jobs = new LocalJobs(opts);
    await jobs.listen();
    return jobs;
  }

  /** What a function needs to launch jobs here instead of on AWS. */
  get env(): Record<string, string> {
    return { MLTRAIN_JOB_LAUNCHER: 'local', MLTRAIN_LOCAL_JOBS_ENDPOINT: this.endpoint };
  }

  jobs(): readonly LocalJobRecord[] {
    return this.records;
  }

  running(): number {
    return this.records.filter((r) => r.status === 'running').length;
  }

  /** Starts a job now; the record says when it ends and how. */
  start(job: LocalJobType, runId: string): LocalJobRecord {
    if (this.stopped) throw new Error('the local runtime is stopping');
    const type = LOCAL_JOB_TYPES[job];
    if (!type) throw new Error(`unknown job "${String(job)}"; known: ${Object.keys(LOCAL_JOB_TYPES).join(', ')}`);
    assertRunId(runId);
    const jobId = randomUUID();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(this.opts.repoRoot, type.entry), ...type.args(runId)], {
      cwd: this.opts.repoRoot, env: { ...process.env, ...this.opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error(`could not start job ${job} for ${runId}`);
    const record: LocalJobRecord = { jobId, job, runId, pid: child.pid, startedAt: Date.now(), status: 'running' };
    this.records.push(record);
    this.children.set(jobId, child);
    const untrack = trackChild(child, `job ${job} ${runId}`);
    const toLog = (stream: 'stdout' | 'stderr') => (line: string) => this.append(type.logName, jsonLine(line, type.logName, stream));
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).on('line', toLog('stdout'));
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on('line', toLog('stderr'));
    child.on('close', (code, signal) => {
      untrack();
      this.children.delete(jobId);
      Object.assign(record, { endedAt: Date.now(), exitCode: code, signal, status: code === 0 ? 'succeeded' : 'failed' });
      this.append(type.logName, JSON.stringify({
        time: new Date().toISOString(), level: code === 0 ? 'info' : 'error', function: type.logName, runId,
        message: 'JOB END', exitCode: code, signal, durationMs: record.endedAt! - record.startedAt,
      }) + '\n');
    });
    return record;
  }

  /** Resolves when no job runs, or after `timeoutMs` (a job that finished its run is only exiting). */
  async whenIdle(timeoutMs: number): Promise<void> {
    const exits = [...this.children.values()].map((child) => new Promise<void>((resolve) => child.once('close', () => resolve())));
    if (exits.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise<void>((resolve) => { timer = setTimeout(resolve, timeoutMs); })]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const child of this.children.values()) child.kill('SIGKILL');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.logs.close();
  }

  private append(name: string, text: string): void {
    if (!this.stopped) this.logs.append(name, text);
  }

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.endpoint = `http://127.0.0.1:${await listenOnLoopback(this.server)}`;
  }

  /** POST /jobs {"job": "gpu-trainer", "runId": "..."} → 202 {jobId, pid}. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const raw = await readRequestBody(req);
    if (req.method !== 'POST' || req.url !== '/jobs') return reply(res, 404, { message: `unsupported request ${req.method} ${req.url}` });
    try {
      const body = JSON.parse(raw.toString('utf8')) as { job?: unknown; runId?: unknown };
      if (typeof body.job !== 'string' || !(body.job in LOCAL_JOB_TYPES)) throw new Error(`job must be one of ${Object.keys(LOCAL_JOB_TYPES).join(', ')}`);
      if (typeof body.runId !== 'string') throw new Error('runId must be a string');
      const record = this.start(body.job as LocalJobType, body.runId);
      reply(res, 202, { jobId: record.jobId, pid: record.pid });
    } catch (err) {
      reply(res, 400, { message: (err as Error).message });
    }
  }
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The trainer logs JSON lines; anything else (tfjs's own prints) is wrapped so the file stays JSON lines. */
function jsonLine(line: string, fn: string, stream: 'stdout' | 'stderr'): string {
  if (line.startsWith('{')) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify({ ...parsed, function: parsed.function ?? fn }) + '\n';
    } catch {
      // not JSON after all
    }
  }
  return JSON.stringify({ time: new Date().toISOString(), level: stream === 'stderr' ? 'warn' : 'info', function: fn, stream, message: line }) + '\n';
}
