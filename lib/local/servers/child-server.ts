/**
 * Runs a server binary (redis-server, memcached) as a child process: spawn, wait until it answers,
 * stop it, and register it so it cannot outlive this process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { trackChild, trackStoppable } from '../processes';
import { findOnPath } from './binary';
import { PortInUseError } from './free-port';

export interface ChildServerSpec {
  /** Name used in errors and in the process registry, e.g. 'redis-server'. */
  name: string;
  /** Absolute path of the binary (see resolveBinary). */
  binary: string;
  args: string[];
  port: number;
  /**
   * Resolves true once the server answers on `port` and reports `pid` as its own (so another process
   * that grabbed the port is not mistaken for ours); false or a rejection means "not yet".
   */
  isReady: (port: number, pid: number) => Promise<boolean>;
  startTimeoutMs: number;
  /** Signal that asks the server to stop; SIGKILL follows if it has not exited after `stopTimeoutMs`. */
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /** Runs after the child has exited (also after a failed start), e.g. to delete its temp folder. */
  cleanup?: () => Promise<void>;
}

export interface ChildServer {
  pid: number;
  stop(): Promise<void>;
}

const OUTPUT_LINES_KEPT = 20;
const KILL_WAIT_MS = 2_000;
const OUTPUT_DRAIN_WAIT_MS = 500;

/** The last lines a child wrote to stdout and stderr, for error messages. */
class OutputTail {
  private lines: string[] = [];
  private partial = '';

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts.filter((line) => line.trim() !== ''));
    if (this.lines.length > OUTPUT_LINES_KEPT) this.lines.splice(0, this.lines.length - OUTPUT_LINES_KEPT);
  }

  text(): string {
    const all = this.partial.trim() ? [...this.lines, this.partial] : this.lines;
    return all.length ? all.map((line) => `  | ${line}`).join('\n') : '  (no output)';
  }
}

// With setpriv available (util-linux, present on Debian), the kernel SIGKILLs the server when this
// process dies, even by SIGKILL, where no JavaScript handler can run. setpriv execs the server,
// so the PID we see is the server's own.
let setprivPath: string | null | undefined;
function parentDeathWrapper(): string[] {
  if (setprivPath === undefined) setprivPath = process.platform === 'linux' ? (findOnPath('setpriv') ?? null) : null;
  return setprivPath ? [setprivPath, '--pdeathsig', 'KILL', '--'] : [];
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isRunning(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(false), timeoutMs);
    const onExit = () => done(true);
    child.once('exit', onExit);
    function done(exited: boolean) {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(exited);
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describeExit(child: ChildProcess): string {
  return child.signalCode ? `killed by ${child.signalCode}` : `exit code ${child.exitCode}`;
}

/** Polls `isReady` with back-off until it answers; says why not when the child fails or the deadline passes. */
async function waitUntilReady(spec: ChildServerSpec, child: ChildProcess, pid: number, spawnError: () => Error | undefined): Promise<string | undefined> {
  const deadline = Date.now() + spec.startTimeoutMs;
  let delayMs = 10;
  for (;;) {
    const failed = spawnError();
    if (failed) return `could not be started (${failed.message})`;
    if (!isRunning(child)) return `exited during startup (${describeExit(child)})`;
    if (await spec.isReady(spec.port, pid).catch(() => false)) return undefined;
    if (Date.now() >= deadline) return `did not answer on 127.0.0.1:${spec.port} within ${spec.startTimeoutMs} ms`;
    await Promise.race([sleep(delayMs), waitForExit(child, delayMs)]);
    delayMs = Math.min(delayMs * 2, 200);
  }
}

/**
 * Spawns the server and resolves once `isReady` succeeds. If the child exits first, rejects with its
 * last output lines (PortInUseError when it lost a race for the port); if it does not answer before
 * the deadline, kills it and rejects.
 */
export async function startChildServer(spec: ChildServerSpec): Promise<ChildServer> {
  const [command, ...prefixArgs] = [...parentDeathWrapper(), spec.binary];
  // Same process group as us: a Ctrl-C in the terminal reaches the server too.
  const child = spawn(command, [...prefixArgs, ...spec.args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // 'close' comes after 'exit' once stdout/stderr are drained: wait for it to report the last lines.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const output = new OutputTail();
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  let spawnError: Error | undefined;
  child.on('error', (err) => {
    spawnError ??= err;
  });
  const forgetChild = trackChild(child, spec.name);
  // setpriv execs the server, so this stays the server's PID (undefined only if the spawn failed).
  const pid = child.pid ?? -1;

  const failStart = async (message: string): Promise<never> => {
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await waitForExit(child, KILL_WAIT_MS);
    }
    await Promise.race([closed, sleep(OUTPUT_DRAIN_WAIT_MS)]);
    forgetChild();
    await spec.cleanup?.();
    const details = `${message}; last output:\n${output.text()}`;
    if (/address already in use/i.test(output.text())) throw new PortInUseError(spec.port, `${spec.name}: ${details}`);
    throw new Error(`${spec.name} ${details}`);
  };

  const notReady = await waitUntilReady(spec, child, pid, () => spawnError);
  if (notReady) return failStart(notReady);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopChild());
  const untrack = trackStoppable(`${spec.name} (pid ${pid}, port ${spec.port})`, stop);

  async function stopChild(): Promise<void> {
    untrack();
    if (isRunning(child)) {
      child.kill(spec.stopSignal);
      const politely = spec.stopSignal !== 'SIGKILL';
      let exited = await waitForExit(child, politely ? spec.stopTimeoutMs : KILL_WAIT_MS);
      if (!exited && politely) {
        child.kill('SIGKILL');
        exited = await waitForExit(child, KILL_WAIT_MS);
      }
      if (!exited) throw new Error(`${spec.name} (pid ${pid}) did not exit even after SIGKILL`);
    }
    forgetChild();
    await spec.cleanup?.();
  }

  return { pid, stop };
}
