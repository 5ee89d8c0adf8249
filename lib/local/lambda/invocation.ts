import type { InitReply, InvokeRequest } from './protocol';
import type { Sandbox, SandboxOccupant, Stream } from './sandbox-pool';
import type { LocalFunctionDefinition } from './service-definition';
import type { InvocationRecord, InvokeOutcome, ProcessExit } from './types';

// One invocation's lifecycle in a sandbox: the init phase (a new process loading the handler, bounded
// on its own), the function's timeout from dispatch, and the end, decided once the reply and both
// streams' end markers are in (so its logs are complete) or once the process is gone.

/** Lambda's init phase limit; locally the init may also use the function's timeout (Lambda retries a slow init within it). */
const INIT_LIMIT_SECONDS = 10;

export interface InvocationSetup {
  fn: LocalFunctionDefinition;
  record: InvocationRecord;
  event: unknown;
  sandbox: Sandbox;
  /** The sandbox was warm: its handler is loaded already. */
  reused: boolean;
  timeoutSeconds: number;
  invokedFunctionArn: string;
  /** Records the end (status, logs) and answers the caller. */
  finish: (status: InvocationRecord['status'], outcome: InvokeOutcome) => void;
  /** Hands a sandbox that completed an invocation back to the pool. */
  release: (sandbox: Sandbox) => void;
}

export class Invocation implements SandboxOccupant {
  readonly requestId: string;
  reply: SandboxOccupant['reply'];
  ended: Record<Stream, boolean> = { stdout: false, stderr: false };
  /** Set when the emulator kills the process: during its init phase or during the invocation. */
  private timedOut?: 'init' | 'invocation';
  /** The handler failed to load (init phase): the invocation fails with this error. */
  private initFailure?: { errorType: string; errorMessage: string };
  private done = false;
  private timer?: NodeJS.Timeout;
  private initTimer?: NodeJS.Timeout;

  constructor(private readonly s: InvocationSetup) {
    this.requestId = s.record.requestId;
  }

  private get initLimitSeconds(): number {
    return INIT_LIMIT_SECONDS + this.s.timeoutSeconds;
  }

  start(): void {
    const { sandbox, reused } = this.s;
    sandbox.active = this;
    if (reused) return this.dispatch();
    // As on Lambda, the function's timeout starts once its process has loaded the handler.
    this.initTimer = setTimeout(() => this.kill('init'), this.initLimitSeconds * 1000);
    void sandbox.ready.then((init) => this.onReady(init));
  }

  settle(how: 'complete' | 'gone', exit?: ProcessExit): void {
    if (this.done) return;
    if (how === 'complete' && !(this.reply && this.ended.stdout && this.ended.stderr)) return;
    if (how === 'complete' && this.timedOut) return; // being killed: its 'close' reports the timeout
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.initTimer);
    this.s.sandbox.active = undefined;
    const [status, outcome] = this.outcome(how, exit);
    if (status === 'crashed' && exit) this.s.record.exit = exit;
    this.s.finish(status, outcome);
    if (how === 'complete') this.s.release(this.s.sandbox);
  }

  private onReady(init: InitReply): void {
    clearTimeout(this.initTimer);
    if (this.done) return;
    this.s.record.initMs = Date.now() - this.s.record.startedAt;
    if (init.ok) return this.dispatch();
    // A handler that cannot load fails the invocation once its output is drained ('close'); its
    // process is not reused, as on Lambda.
    this.initFailure = init;
    this.s.sandbox.child.kill('SIGKILL');
  }

  private dispatch(): void {
    const { sandbox, fn, timeoutSeconds, record } = this.s;
    if (this.done || sandbox.exited || !sandbox.child.connected) return; // gone meanwhile: its 'close' ends the invocation
    this.timer = setTimeout(() => this.kill('invocation'), timeoutSeconds * 1000); // never reused: 'close' ends it
    const request: InvokeRequest = {
      type: 'invoke', event: this.s.event, functionName: fn.functionName, invokedFunctionArn: this.s.invokedFunctionArn,
      requestId: record.requestId, memoryMb: fn.memoryMb, deadline: Date.now() + timeoutSeconds * 1000,
    };
    sandbox.child.send(request, (err) => { if (err) sandbox.child.kill('SIGKILL'); });
  }

  private kill(phase: 'init' | 'invocation'): void {
    this.timedOut = phase;
    this.s.sandbox.child.kill('SIGKILL');
  }

  private outcome(how: 'complete' | 'gone', exit?: ProcessExit): [InvocationRecord['status'], InvokeOutcome] {
    const { fn, sandbox, timeoutSeconds } = this.s;
    const fail = (errorType: string, errorMessage: string): InvokeOutcome => ({ statusCode: 200, functionError: { errorType, errorMessage } });
    if (this.timedOut === 'init') {
      return ['timed-out', fail('TimeoutError', `Init timed out: the process running ${fn.key} did not load its handler within ${this.initLimitSeconds} seconds`)];
    }
    if (this.timedOut) return ['timed-out', fail('TimeoutError', `Task timed out after ${timeoutSeconds} seconds`)];
    if (this.initFailure) return ['failed', fail(this.initFailure.errorType, this.initFailure.errorMessage)];
    if (how === 'complete' && this.reply?.ok) return ['succeeded', { statusCode: 200, payload: this.reply.value }];
    if (how === 'complete' && this.reply && !this.reply.ok) return ['failed', fail(this.reply.errorType, this.reply.errorMessage)];
    const why = sandbox.spawnError?.message ?? `exited (code ${exit?.code ?? null}, signal ${exit?.signal ?? null}) before returning`;
    return ['crashed', fail('Runtime.ExitError', `the process running ${fn.key} ${why}`)];
  }
}
