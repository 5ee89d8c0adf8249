import { fork, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { trackChild } from '../processes';
import { parseSentinel, SENTINEL, type InitReply, type InvokeReply } from './protocol';
import type { LocalFunctionDefinition } from './service-definition';
import type { ProcessExit } from './types';

// The processes ("sandboxes") that run a function's invocations, one at a time each. As on Lambda,
// a sandbox stays warm after an invocation and the next invocation of the same function reuses it;
// a new one starts only when none is idle. Each runs the function's esbuild bundle. Lambda promises
// nothing about which idle sandbox it picks; this pool prefers one that last ran an event for the
// same worker (its `peer` or `rank`), whose module caches (the worker's data shard) are then still
// valid, instead of making every sandbox download every worker's data in turn.

export type Stream = 'stdout' | 'stderr';

/** What a sandbox tells the invocation it is running. */
export interface SandboxOccupant {
  requestId: string;
  reply?: InvokeReply;
  ended: Record<Stream, boolean>;
  /** Ends the invocation from what has come back (reply, or the process gone). */
  settle(how: 'complete' | 'gone', exit?: ProcessExit): void;
}

export interface Sandbox {
  fn: LocalFunctionDefinition;
  child: ChildProcess;
  /** Environment generation it was started with; an older one is not reused. */
  generation: number;
  /** The worker (see `affinityOf`) of the last event it ran. */
  affinity?: string;
  /** Which invocation printed the lines now arriving on each stream. */
  printing: Record<Stream, string>;
  active?: SandboxOccupant;
  idleTimer?: NodeJS.Timeout;
  exited: boolean;
  /** Resolves once the process is gone and its output drained. */
  closed: Promise<void>;
  /** Resolves when the process has loaded the handler (or failed to). */
  ready: Promise<InitReply>;
  spawnError?: Error;
  untrack: () => void;
}

/** Where a function's code is: its bundle, or why it could not be built (its invocations fail at init). */
export interface FunctionCode {
  bundle?: string;
  error?: string;
}

export interface SandboxPoolOptions {
  /** The bundled child entry (child.ts). */
  childEntry: string;
  /** Where sandboxes keep V8's code cache of what they load at init (none when undefined). */
  compileCacheDir?: string;
  code: (fn: LocalFunctionDefinition) => FunctionCode;
  /** The whole environment a new process of this function gets. */
  env: (fn: LocalFunctionDefinition) => NodeJS.ProcessEnv;
  /** Receives every line a sandbox prints, with the request it belongs to. */
  onLine: (fn: LocalFunctionDefinition, stream: Stream, requestId: string, text: string) => void;
  warm: boolean;
  idleTimeoutMs: number;
}

export class SandboxPool {
  private readonly sandboxes = new Set<Sandbox>();
  private readonly idle = new Map<string, Sandbox[]>();
  private generation = 0;

  constructor(private readonly opts: SandboxPoolOptions) {}

  /** Processes started from now on get a new environment; idle ones, started with the old, are stopped. */
  renew(): void {
    this.generation++;
    for (const pool of this.idle.values()) for (const sandbox of pool.splice(0)) this.retire(sandbox);
  }

  processes(): { functionKey: string; pid: number; busy: boolean }[] {
    return [...this.sandboxes].filter((s) => !s.exited).map((s) => ({ functionKey: s.fn.key, pid: s.child.pid!, busy: !!s.active }));
  }

  /**
   * An idle process of this function, if any: the most recently used one that last ran an event
   * for the same worker (`affinity`), else (unless `ownWorkerOnly`) the most recently used one
   * (LIFO keeps few processes hot).
   */
  take(fn: LocalFunctionDefinition, affinity?: string, ownWorkerOnly = false): Sandbox | undefined {
    const all = this.idle.get(fn.functionName) ?? [];
    const pool = all.filter((s) => !s.exited && s.generation === this.generation);
    for (const stale of all.filter((s) => !pool.includes(s))) this.retire(stale);
    this.idle.set(fn.functionName, pool);
    const at = pool.map((s) => s.affinity).lastIndexOf(affinity);
    if (ownWorkerOnly && at < 0) return undefined;
    const [sandbox] = pool.splice(affinity !== undefined && at >= 0 ? at : pool.length - 1, 1);
    if (!sandbox) return undefined;
    clearTimeout(sandbox.idleTimer);
    holdLoop(sandbox.child, true);
    sandbox.affinity = affinity;
    return sandbox;
  }

  spawn(fn: LocalFunctionDefinition, firstRequestId: string, affinity?: string): Sandbox {
    const code = this.opts.code(fn);
    const child = fork(this.opts.childEntry, [code.bundle ?? '', fn.exportName, fn.handlerFile, code.error ?? '', this.opts.compileCacheDir ?? ''], {
      env: this.opts.env(fn),
      execArgv: [], // plain node, whatever runs the emulator (tsx, jest): the bundle needs no loader
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const sandbox: Sandbox = {
      fn, child, generation: this.generation, affinity, printing: { stdout: firstRequestId, stderr: firstRequestId }, exited: false, untrack: () => undefined,
      closed: new Promise((resolve) => child.once('close', () => resolve())),
      ready: new Promise((resolve) => child.once('message', (m: InitReply) => resolve(m))), // the first message
    };
    this.sandboxes.add(sandbox);
    sandbox.untrack = trackChild(child, `lambda ${fn.key} sandbox`);
    for (const stream of ['stdout', 'stderr'] as const) {
      createInterface({ input: child[stream]!, crlfDelay: Infinity }).on('line', (line) => this.onLine(sandbox, stream, line));
    }
    this.watch(sandbox);
    return sandbox;
  }

  /** A finished invocation's process waits, idle, for the next invocation of its function. */
  release(sandbox: Sandbox, stopping: boolean): void {
    if (stopping || !this.opts.warm || sandbox.exited || sandbox.generation !== this.generation) {
      this.retire(sandbox);
      return;
    }
    holdLoop(sandbox.child, false); // an idle sandbox does not keep this process alive
    sandbox.idleTimer = setTimeout(() => {
      this.dropIdle(sandbox);
      this.retire(sandbox);
    }, this.opts.idleTimeoutMs);
    sandbox.idleTimer.unref();
    const pool = this.idle.get(sandbox.fn.functionName) ?? [];
    pool.push(sandbox);
    this.idle.set(sandbox.fn.functionName, pool);
  }

  retire(sandbox: Sandbox): void {
    clearTimeout(sandbox.idleTimer);
    if (!sandbox.exited) sandbox.child.kill('SIGKILL');
  }

  /** Kills every process, busy or idle, and waits up to `waitMs` until they are gone. */
  async stopAll(waitMs: number): Promise<void> {
    for (const sandbox of this.sandboxes) sandbox.child.kill('SIGKILL');
    for (const pool of this.idle.values()) for (const sandbox of pool) clearTimeout(sandbox.idleTimer);
    this.idle.clear();
    const gone = Promise.all([...this.sandboxes].map((s) => s.closed));
    await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, waitMs).unref())]);
  }

  private watch(sandbox: Sandbox): void {
    const { child } = sandbox;
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
      sandbox.active?.settle('gone', { code, signal });
    });
  }

  /** Routes a line to the invocation that printed it; sentinels mark where each begins and ends. */
  private onLine(sandbox: Sandbox, stream: Stream, line: string): void {
    const at = line.indexOf(SENTINEL);
    const mark = at >= 0 ? parseSentinel(line.slice(at)) : undefined;
    const text = mark ? line.slice(0, at) : line; // a sentinel can follow an unterminated print
    if (text) this.opts.onLine(sandbox.fn, stream, sandbox.printing[stream], text);
    if (!mark) return;
    if (mark.kind === 'start') {
      sandbox.printing[stream] = mark.requestId;
    } else if (sandbox.active?.requestId === mark.requestId) {
      sandbox.active.ended[stream] = true;
      sandbox.active.settle('complete');
    }
  }

  private dropIdle(sandbox: Sandbox): void {
    const pool = this.idle.get(sandbox.fn.functionName);
    const at = pool?.indexOf(sandbox) ?? -1;
    if (at >= 0) pool!.splice(at, 1);
  }
}

/** Whether the child (its IPC channel and output pipes) keeps this process's event loop alive. */
function holdLoop(child: ChildProcess, hold: boolean): void {
  const handles = [child, child.channel, child.stdout as Socket | null, child.stderr as Socket | null];
  for (const h of handles) if (h) (hold ? h.ref() : h.unref());
}
