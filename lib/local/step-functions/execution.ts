import '../../util/polyfills';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, type StateMachine } from 'aws-local-stepfunctions';

// One execution of a state machine, run in this process by aws-local-stepfunctions: its status as
// DescribeExecution reports it, its state transitions (billed per transition on AWS), and one log
// line per state event.

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  machine: string;
  name: string;
  status: ExecutionStatus;
  /** JSON text, as the API carries it. */
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch milliseconds. */
  startDate: number;
  stopDate?: number;
  /** States entered plus retries: what AWS bills a Standard workflow for. */
  transitions: number;
}

type RunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
export type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type JSONValue = Parameters<StateMachine['run']>[0];
type EventLog = Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'];

/** Event-log drain after the result is in: events are queued synchronously, so this is a formality. */
const DRAIN_DEADLINE_MS = 2_000;
/** State inputs and outputs above this size are logged by size only. */
const LOGGED_PAYLOAD_LIMIT = 4_096;

export interface ExecutionHooks {
  /** A state was entered or retried (one transition). */
  onTransition: () => void;
  /** One JSON line for logs/states-<machine>.jsonl. */
  log: (line: Record<string, unknown>) => void;
  /** The execution has closed (its status is final and its events logged). */
  onClose: (record: ExecutionRecord) => void;
}

export class LocalExecution {
  private abortRun?: () => void;
  /** Resolves once the execution has closed. */
  readonly closed: Promise<void>;
  private close!: () => void;

  constructor(readonly record: ExecutionRecord, private readonly hooks: ExecutionHooks) {
    this.closed = new Promise((resolve) => { this.close = resolve; });
  }

  start(machine: StateMachine, handlers: TaskHandlers): void {
    const r = this.record;
    const context = {
      Execution: { Id: r.executionArn, Name: r.name },
      StateMachine: { Id: r.stateMachineArn, Name: r.machine },
    };
    const run = machine.run(JSON.parse(r.input) as JSONValue, { overrides: { taskResourceLocalHandlers: handlers }, context });
    this.abortRun = run.abort;
    const drained = this.consume(run.eventLogs);
    run.result.then(
      (output) => this.settle(drained, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) }),
      (err: unknown) => this.settle(drained, failureOf(err)),
    );
  }

  /** StopExecution: ABORTED at once, as on AWS; a running Lambda invocation finishes on its own. */
  stop(error?: string, cause?: string): void {
    if (this.record.status !== 'RUNNING') return;
    Object.assign(this.record, { status: 'ABORTED', stopDate: Date.now(), error, cause });
    this.abortRun?.();
    this.hooks.log({ type: 'ExecutionStopped', ...(error ? { error } : {}), ...(cause ? { cause } : {}) });
    this.hooks.onClose(this.record);
    this.close();
  }

  private async consume(events: AsyncGenerator<EventLog>): Promise<void> {
    for await (const event of events) {
      if (event.type === 'StateEntered' || event.type === 'StateRetried') {
        this.record.transitions++;
        this.hooks.onTransition();
      }
      this.hooks.log(describeEvent(event));
    }
  }

  private async settle(drained: Promise<void>, end: Partial<ExecutionRecord> & { status: ExecutionStatus }): Promise<void> {
    await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, DRAIN_DEADLINE_MS).unref())]);
    if (this.record.status !== 'RUNNING') return; // stopped meanwhile
    Object.assign(this.record, end, { stopDate: Date.now() });
    this.hooks.onClose(this.record);
    this.close();
  }
}

/** Error and cause as DescribeExecution reports them: the name and message of what failed. */
function failureOf(err: unknown): Partial<ExecutionRecord> & { status: ExecutionStatus } {
  if (err instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  if (err instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution ran longer than the TimeoutSeconds of its state machine' };
  const inner = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
  if (inner instanceof Error) return { status: 'FAILED', error: inner.name, cause: inner.message };
  return { status: 'FAILED', error: 'States.Runtime', cause: String(inner) };
}

function describeEvent(event: EventLog): Record<string, unknown> {
  const line: Record<string, unknown> = { type: event.type, eventTime: new Date(event.timestamp).toISOString() };
  if ('state' in event) {
    line.state = event.state.name;
    line.stateType = event.state.type;
    if (event.state.output !== undefined) line.output = capped(event.state.output);
    else line.input = capped(event.state.input);
  }
  if ('parentState' in event) line.parentState = event.parentState.name;
  if ('index' in event && event.index !== undefined) line.index = event.index;
  if ('Error' in event) {
    line.error = event.Error;
    line.cause = event.Cause instanceof Error ? `${event.Cause.name}: ${event.Cause.message}` : event.Cause;
  }
  if ('retry' in event) line.attempt = event.retry.attempt; // already counts this retry (1 = first retry)
  if ('catch' in event) line.next = event.catch.catcher.Next;
  if (event.type === 'ExecutionSucceeded') line.output = capped(event.output);
  return line;
}

function capped(value: unknown): unknown {
  const text = JSON.stringify(value ?? null);
  return text.length <= LOGGED_PAYLOAD_LIMIT ? value : { omittedBytes: Buffer.byteLength(text) };
}
