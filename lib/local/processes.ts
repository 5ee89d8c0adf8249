/**
 * Process-wide registry of the child processes and in-process servers the local runtime started,
 * so that nothing is left running after a run, a failure, Ctrl-C or a test.
 *
 * Importing this module installs no signal handler (that would change how jest or a host program
 * reacts to Ctrl-C); the CLI calls `installCleanupHandlers()` once. The only hook installed on its
 * own is a synchronous `exit` listener, added when the first child is tracked, which SIGKILLs
 * children still running as the process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { inspect } from 'node:util';

interface TrackedChild {
  name: string;
  child: ChildProcess;
}

interface TrackedStoppable {
  name: string;
  stop: () => Promise<void>;
}

const children = new Set<TrackedChild>();
const stoppables = new Set<TrackedStoppable>();

const DEFAULT_STOP_DEADLINE_MS = 10_000;
const KILLED_CHILD_EXIT_WAIT_MS = 2_000;

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

let exitHookInstalled = false;
function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' listeners must be synchronous: only a kill can still happen here.
  process.on('exit', killRemainingChildren);
}

/** Sends SIGKILL to every tracked child that is still running. Synchronous. */
function killRemainingChildren(): TrackedChild[] {
  const killed: TrackedChild[] = [];
  for (const entry of children) {
    if (!isRunning(entry.child)) continue;
    try {
      entry.child.kill('SIGKILL');
      killed.push(entry);
    } catch {
      // Already gone between the check and the kill.
    }
  }
  return killed;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    child.once('exit', done);
    function done() {
      clearTimeout(timer);
      child.off('exit', done);
      resolve();
    }
  });
}

/**
 * Tracks a child process until it exits. Returns a function that forgets it early (e.g. after the
 * owner has stopped it itself).
 */
export function trackChild(child: ChildProcess, name: string): () => void {
  // A child whose spawn failed has no PID and will never emit 'exit'.
  if (child.pid === undefined || !isRunning(child)) return () => {};
  const entry: TrackedChild = { name, child };
  children.add(entry);
  ensureExitHook();
  const forget = () => {
    child.off('exit', forget);
    children.delete(entry);
  };
  child.once('exit', forget);
  return forget;
}

/** Tracks something with an async stop (an in-process server, a whole launcher). Returns an untrack function. */
export function trackStoppable(name: string, stop: () => Promise<void>): () => void {
  const entry: TrackedStoppable = { name, stop };
  stoppables.add(entry);
  return () => {
    stoppables.delete(entry);
  };
}

/**
 * An idempotent stop, tracked until its first call: what every in-process server hands out, so
 * that stopping it twice, or from stopAll() and its owner at once, does the work once.
 */
export function trackedStop(name: string, stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const once = (): Promise<void> => (stopping ??= (async () => {
    untrack();
    await stop();
  })());
  const untrack = trackStoppable(name, once);
  return once;
}

/** Names of everything still tracked; for diagnostics and tests. */
export function listTracked(): { children: { name: string; pid: number }[]; stoppables: string[] } {
  return {
    children: [...children].map(({ name, child }) => ({ name, pid: child.pid as number })),
    stoppables: [...stoppables].map(({ name }) => name),
  };
}

function withDeadline(name: string, work: Promise<void>, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not stop within ${deadlineMs} ms`)), deadlineMs);
    timer.unref();
    work.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Stops everything tracked: every stoppable concurrently (each bounded by `deadlineMs`), then
 * SIGKILLs any child still running and waits briefly for it to exit. Tries everything before
 * reporting failures as one AggregateError.
 */
export async function stopAll(deadlineMs = DEFAULT_STOP_DEADLINE_MS): Promise<void> {
  const pending = [...stoppables];
  stoppables.clear();
  const results = await Promise.allSettled(
    pending.map(({ name, stop }) => withDeadline(name, Promise.resolve().then(stop), deadlineMs)),
  );
  const killed = killRemainingChildren();
  await Promise.all(killed.map(({ child }) => waitForExit(child, KILLED_CHILD_EXIT_WAIT_MS)));

  const failures = results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ name: pending[i].name, reason: result.reason as unknown }] : [],
  );
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((f) => f.reason),
      `failed to stop cleanly: ${failures.map((f) => `${f.name} (${describe(f.reason)})`).join('; ')}`,
    );
  }
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

let cleanupHandlersInstalled = false;
let shuttingDown = false;

function shutDown(exitCode: number, why: string): void {
  if (shuttingDown) {
    // A second Ctrl-C (or a crash during cleanup): do not wait any longer.
    killRemainingChildren();
    process.exit(exitCode);
  }
  shuttingDown = true;
  process.stderr.write(`\n${why}: stopping local servers...\n`);
  stopAll()
    .catch((err: unknown) => process.stderr.write(`${describe(err)}\n`))
    .finally(() => process.exit(exitCode));
}

/**
 * Installs, once, the handlers that stop everything tracked when the process is interrupted
 * (SIGINT → exit 130, SIGTERM → exit 143) or crashes (uncaughtException → exit 1).
 * Call it from the CLI entry point, not from library code.
 */
export function installCleanupHandlers(): void {
  if (cleanupHandlersInstalled) return;
  cleanupHandlersInstalled = true;
  ensureExitHook();
  process.on('SIGINT', () => shutDown(130, 'SIGINT received'));
  process.on('SIGTERM', () => shutDown(143, 'SIGTERM received'));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`${inspect(err)}\n`);
    shutDown(1, 'uncaught exception');
  });
}
