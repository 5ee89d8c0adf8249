import '../../util/polyfills';
import { StateMachine } from 'aws-local-stepfunctions';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type http from 'node:http';
import type { LambdaInvokeTarget } from '../lambda/types';
import { LogFiles } from '../log-files';
import { serveStepFunctionsApi, SfnApiError } from './api';
import { LAMBDA_INVOKE_INTEGRATION, taskBindings, withoutLibraryTaskTimeout, type Definition, type TaskBinding } from './definition';
import { LocalExecution, type ExecutionRecord, type ExecutionStatus, type TaskHandlers } from './execution';
import { decodeToken, encodeToken } from './tokens';
import { apiType, EXPRESS_LIMIT_MS, usageOf, workflowFrom } from './workflow';
import type { StepFunctionsUsage, Workflow } from '../../metrics/cost';

// The Step Functions API served locally: state machines registered by name, executions run in this
// process by aws-local-stepfunctions, every Task state calling the local Lambda emulator, so the
// functions a state machine calls are the service's own handlers, with their retries and catches.

export interface LocalStepFunctionsOptions {
  /** Runs the Task states' functions (the local Lambda emulator). */
  lambda: LambdaInvokeTarget;
  /** Folder for states-<machine>.jsonl, one line per state event. */
  logsDir: string;
  /** Definitions (Amazon States Language objects) by state machine name. */
  stateMachines?: Record<string, object>;
  region?: string;
  accountId?: string;
  /** Standard or Express state machines (default: MLTRAIN_SFN_WORKFLOW, else standard). */
  workflow?: Workflow;
}

interface RegisteredMachine {
  name: string;
  arn: string;
  definition: Definition;
  machine: StateMachine;
  handlers: TaskHandlers;
  createdAt: number;
  workflow: Workflow;
}

export interface StartExecutionRequest {
  stateMachineArn: string;
  name?: string;
  /** JSON text (default "{}"). */
  input?: string;
}

export interface ExecutionListItem {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
}

export interface ListExecutionsRequest {
  stateMachineArn: string;
  statusFilter?: ExecutionStatus;
  maxResults?: number;
  nextToken?: string;
}

const MAX_INPUT_BYTES = 256 * 1024; // Step Functions' payload limit
const NAME_RULE = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

export class LocalStepFunctions {
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly executionsByArn = new Map<string, LocalExecution>();
  private readonly order: LocalExecution[] = [];
  private readonly logs: LogFiles;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly region: string;
  private readonly accountId: string;
  readonly workflow: Workflow;
  private totalTransitions = 0;
  private server?: http.Server;
  private stopped = false;
  endpoint = '';

  private constructor(private readonly opts: LocalStepFunctionsOptions) {
    this.region = opts.region ?? 'us-east-1';
    this.accountId = opts.accountId ?? '000000000000';
    this.workflow = workflowFrom(opts.workflow);
    mkdirSync(opts.logsDir, { recursive: true });
    this.logs = new LogFiles(opts.logsDir);
  }

  static async start(opts: LocalStepFunctionsOptions): Promise<LocalStepFunctions> {
    const sfn = new LocalStepFunctions(opts);
    for (const [name, definition] of Object.entries(opts.stateMachines ?? {})) sfn.register(name, definition);
    const { server, endpoint } = await serveStepFunctionsApi(sfn);
    sfn.server = server;
    sfn.endpoint = endpoint;
    return sfn;
  }

  /** The environment variable that points the AWS SDK's Step Functions client here. */
  get env(): Record<string, string> {
    return { AWS_ENDPOINT_URL_SFN: this.endpoint };
  }

  /**
   * Registers (or replaces) a state machine; returns its ARN. The definition is validated (paths
   * included; ARNs not, so Resources may be plain function names) and every Task state, nested ones
   * included, is bound to the local Lambda function its Resource names.
   */
  register(name: string, definition: object): string {
    if (!NAME_RULE.test(name)) throw new Error(`invalid state machine name ${JSON.stringify(name)}: 1-80 characters, no whitespace, brackets, wildcards or punctuation such as : / , ;`);
    const def = definition as Definition;
    const tasks = taskBindings(def, name);
    let machine: StateMachine;
    try {
      machine = new StateMachine(withoutLibraryTaskTimeout(def) as never, { validationOptions: { checkArn: false, checkPaths: true } });
    } catch (err) {
      throw new Error(`state machine ${name}: ${(err as Error).message}`);
    }
    const handlers = Object.fromEntries(tasks.map((t) => [t.state, this.taskHandler(t)]));
    const arn = this.stateMachineArn(name);
    this.machines.set(name, { name, arn, definition: def, machine, handlers, createdAt: this.machines.get(name)?.createdAt ?? Date.now(), workflow: this.workflow });
    return arn;
  }

  stateMachineArn(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  stateMachineNames(): string[] {
    return [...this.machines.keys()];
  }

  startExecution(req: StartExecutionRequest): { executionArn: string; startDate: number } {
    if (this.stopped) throw new SfnApiError('ServiceUnavailable', 'the local Step Functions are stopping', 503);
    const sm = this.machineByArn(req.stateMachineArn);
    const name = req.name ?? randomUUID();
    if (!NAME_RULE.test(name)) throw new SfnApiError('InvalidName', `Invalid Name: '${name}' (1-80 characters, no whitespace, brackets, wildcards or punctuation such as : / , ;)`);
    const input = req.input ?? '{}';
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES) throw new SfnApiError('InvalidExecutionInput', `input of ${Buffer.byteLength(input)} bytes exceeds the ${MAX_INPUT_BYTES}-byte limit`);
    try {
      JSON.parse(input);
    } catch (err) {
      throw new SfnApiError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${(err as Error).message}'`);
    }
    const executionArn = `arn:aws:states:${this.region}:${this.accountId}:execution:${sm.name}:${name}`;
    const existing = this.executionsByArn.get(executionArn);
    if (existing) {
      // As on AWS: the same request while the execution runs is answered with it; anything else is refused.
      if (existing.record.status === 'RUNNING' && existing.record.input === input) return { executionArn, startDate: existing.record.startDate };
      const why = existing.record.status !== 'RUNNING' ? `has already ${existing.record.status.toLowerCase()}` : 'is running with a different input';
      throw new SfnApiError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}' ${why}`);
    }
    const record: ExecutionRecord = {
      executionArn, stateMachineArn: sm.arn, machine: sm.name, name, status: 'RUNNING', input, startDate: Date.now(), transitions: 0,
    };
    let limit: NodeJS.Timeout | undefined;
    const execution = new LocalExecution(record, {
      onTransition: () => { this.totalTransitions++; },
      log: (line) => this.append(sm.name, { time: new Date().toISOString(), machine: sm.name, execution: name, ...line }),
      onClose: () => { clearTimeout(limit); if (this.running() === 0) this.idleWaiters.splice(0).forEach((w) => w()); },
    });
    this.executionsByArn.set(executionArn, execution);
    this.order.push(execution);
    execution.start(sm.machine, sm.handlers);
    if (sm.workflow === 'express') {
      // AWS ends an Express execution that runs past 5 minutes.
      limit = setTimeout(() => execution.stop('States.Timeout', 'an Express execution runs for at most 5 minutes'), EXPRESS_LIMIT_MS).unref();
    }
    return { executionArn, startDate: record.startDate };
  }

  describeExecution(executionArn: string): ExecutionRecord {
    return { ...this.execution(executionArn).record };
  }

  stopExecution(executionArn: string, error?: string, cause?: string): { stopDate: number } {
    const execution = this.execution(executionArn);
    execution.stop(error, cause);
    return { stopDate: execution.record.stopDate ?? Date.now() };
  }

  /** Newest first, as AWS lists them; nextToken is the offset into that order. */
  listExecutions(req: ListExecutionsRequest): { executions: ExecutionListItem[]; nextToken?: string } {
    const sm = this.machineByArn(req.stateMachineArn);
    const max = req.maxResults || 100;
    const start = req.nextToken === undefined ? 0 : decodeToken(req.nextToken);
    const matching = this.order
      .map((e) => e.record)
      .filter((r) => r.machine === sm.name && (!req.statusFilter || r.status === req.statusFilter))
      .reverse();
    const page = matching.slice(start, start + max).map(({ executionArn, stateMachineArn, name, status, startDate, stopDate }) => ({
      executionArn, stateMachineArn, name, status, startDate, ...(stopDate !== undefined ? { stopDate } : {}),
    }));
    const next = start + max < matching.length ? encodeToken(start + max) : undefined;
    return { executions: page, ...(next ? { nextToken: next } : {}) };
  }

  describeStateMachine(stateMachineArn: string): { name: string; stateMachineArn: string; definition: string; createdAt: number; type: 'STANDARD' | 'EXPRESS' } {
    const sm = this.machineByArn(stateMachineArn);
    return { name: sm.name, stateMachineArn: sm.arn, definition: JSON.stringify(sm.definition), createdAt: sm.createdAt, type: apiType(sm.workflow) };
  }

  /** What the executions so far are billed by: transitions (Standard), durations (Express). */
  usage(): StepFunctionsUsage {
    return usageOf(this.executions(), this.workflow, this.totalTransitions);
  }

  /** Every execution so far, oldest first. */
  executions(): ExecutionRecord[] {
    return this.order.map((e) => ({ ...e.record }));
  }

  running(): number {
    return this.order.filter((e) => e.record.status === 'RUNNING').length;
  }

  /** Resolves when no execution is running (checked as each one closes). */
  whenIdle(): Promise<void> {
    if (this.running() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** State transitions of one execution, or of all of them (the cost model's 'stateTransitions'). */
  transitions(executionArn?: string): number {
    return executionArn === undefined ? this.totalTransitions : this.execution(executionArn).record.transitions;
  }

  /** Aborts running executions and closes the API. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const e of this.order) e.stop('States.Runtime', 'the local runtime stopped');
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    this.logs.close();
  }

  private machineByArn(arn: string): RegisteredMachine {
    const m = /^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:([^:]+)$/.exec(arn);
    if (!m) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}' is not a state machine ARN`);
    const sm = this.machines.get(m[1]);
    if (!sm || sm.arn !== arn) {
      throw new SfnApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}' (registered: ${this.stateMachineNames().join(', ') || 'none'})`);
    }
    return sm;
  }

  private execution(arn: string): LocalExecution {
    if (!/^arn:aws[a-z-]*:states:[^:]*:[^:]*:execution:[^:]+:[^:]+$/.test(arn)) throw new SfnApiError('InvalidArn', `Invalid Arn: '${arn}' is not an execution ARN`);
    const e = this.executionsByArn.get(arn);
    if (!e) throw new SfnApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return e;
  }

  /** Runs a Task's function synchronously; a function error is rethrown under its errorType so Retry/Catch match it. */
  private taskHandler(task: TaskBinding): TaskHandlers[string] {
    return async (input) => {
      const integration = task.resource.startsWith(LAMBDA_INVOKE_INTEGRATION);
      const { functionName, payload } = integration ? integrationInput(input, task) : { functionName: task.functionName!, payload: input };
      const out = await this.opts.lambda.invoke(functionName, payload, 'RequestResponse');
      if (out.statusCode !== 200) {
        const kind = out.statusCode === 404 ? 'Lambda.ResourceNotFoundException' : out.statusCode === 413 ? 'Lambda.RequestTooLargeException' : 'Lambda.ServiceException';
        throw namedError(kind, `${task.where} could not invoke ${functionName}: ${(out.payload as { message?: string } | undefined)?.message ?? `status ${out.statusCode}`}`);
      }
      if (out.functionError) throw namedError(out.functionError.errorType, out.functionError.errorMessage);
      const value = (out.payload ?? null) as Awaited<ReturnType<TaskHandlers[string]>>;
      return integration ? { ExecutedVersion: '$LATEST', Payload: value, StatusCode: 200 } : value;
    };
  }

  /** Events of executions aborted by stop() trail in after it; LogFiles drops them. */
  private append(machine: string, line: Record<string, unknown>): void {
    this.logs.append(`states-${machine}`, JSON.stringify(line) + '\n');
  }
}

/** arn:aws:states:::lambda:invoke takes { FunctionName, Payload } and returns the response envelope. */
function integrationInput(input: unknown, task: TaskBinding): { functionName: string; payload: unknown } {
  const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
  if (typeof FunctionName !== 'string') throw namedError('States.Runtime', `${task.where}: lambda:invoke needs Parameters.FunctionName (a string)`);
  const name = FunctionName.split(':function:').pop()!.split(':')[0];
  return { functionName: name, payload: Payload ?? {} };
}

function namedError(name: string, message: string): Error {
  const err = new Error(message);
  err.name = name;
  return err;
}
