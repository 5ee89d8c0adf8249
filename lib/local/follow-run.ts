import type { EpochProgress, EpochSummary, RunDone } from '../frameworks/run/reports';
import { runKeys } from '../frameworks/run/run-keys';
import { readRunFailure } from '../frameworks/run/run-status';
import type { TrainingConfig } from '../frameworks/run/training-config';
import { epochResult } from '../metrics/results';
import { loadJson } from '../stores/json';
import type { ObjectStore } from '../stores/types';
import { sleep } from '../util/wait';
import type { LocalJobRecord } from './jobs';
import type { InvocationRecord } from './lambda/types';
import type { LocalRunEvent } from './run-events';
import type { LocalRuntime } from './runtime';
import type { ExecutionRecord } from './step-functions/execution';

// Follows a local run through the bucket as it writes its progress, and ends it as soon as the
// runtime sees it cannot finish: a failure the run recorded, a function process that died, or
// nothing left running.

export class LocalRunError extends Error {
  constructor(message: string, readonly runId: string, readonly runDir: string) {
    super(message);
    this.name = 'LocalRunError';
  }
}

export interface FollowedRun {
  summaries: EpochSummary[];
  progress: EpochProgress[][];
  done: RunDone;
}

export interface FollowContext {
  store: ObjectStore;
  runtime: LocalRuntime;
  runId: string;
  runDir: string;
  config: TrainingConfig;
  /** How many processes write progress each epoch. */
  reporting: number;
  emit: (e: LocalRunEvent) => void;
  /** End the run when a function's process dies (default); false leaves detection to the framework. */
  endOnProcessDeath: boolean;
  /** Reports the first invocations' progress until the first epoch is in. */
  startup?: { poll(): void };
}

export async function followRun(ctx: FollowContext): Promise<FollowedRun> {
  const deaths: InvocationRecord[] = [];
  const unwatch = ctx.runtime.lambda.onInvocationEnd((r) => { if (r.status === 'crashed') deaths.push(r); });
  try {
    return await poll(ctx, deaths);
  } finally {
    unwatch();
  }
}

async function poll(ctx: FollowContext, deaths: InvocationRecord[]): Promise<FollowedRun> {
  const { store, runtime, runId, runDir, config } = ctx;
  const keys = runKeys(runId);
  const seen: FollowedRun = { summaries: [], progress: [], done: undefined as unknown as RunDone };
  let idlePolls = 0;
  let doneSeenAt: number | undefined;
  for (;;) {
    const failure = await readRunFailure(store, runId);
    if (failure) throw new LocalRunError(`run ${runId} failed: ${failure.reason} (detected by ${failure.detectedBy})`, runId, runDir);
    const done = await loadJson<RunDone>(store, keys.done);
    if (!done && ctx.endOnProcessDeath && deaths.length) throw new LocalRunError(`run ${runId} failed: ${describeDeath(deaths[0])}`, runId, runDir);
    if (seen.summaries.length === 0) ctx.startup?.poll();
    await readEpochs(ctx, seen, done);
    // A run may end early (SPIRT's early stopping): done with fewer epochs is still done. But a
    // peer that another peer wrongly took for dead may still be writing the epoch it finished:
    // while anyone has progress for the next epoch, its summary is waited for (bounded).
    if (done && !(await loadJson(store, keys.epochSummary(seen.summaries.length + 1)))) {
      const next = seen.summaries.length + 1;
      const started = await Promise.all(Array.from({ length: config.workers }, (_, r) => loadJson(store, keys.progress(next, r))));
      doneSeenAt ??= Date.now();
      const grace = Date.now() - doneSeenAt < config.syncTimeoutSeconds * 2000;
      if (!started.some(Boolean) || !grace) return { ...seen, done };
    }
    // Every function, state machine execution and job has stopped (an execution waiting out a Retry
    // interval runs no function) and nothing says the run is over: report what the runtime saw.
    const { lambda, stepFunctions, jobs } = runtime;
    idlePolls = lambda.running() === 0 && stepFunctions.running() === 0 && jobs.running() === 0 ? idlePolls + 1 : 0;
    if (idlePolls >= 3 && done) return { ...seen, done }; // nothing runs that could still write
    if (idlePolls >= 3) throw new LocalRunError(`run ${runId} stopped without finishing: ${whyStopped(runtime)}`, runId, runDir);
    await sleep(250);
  }
}

/** Reads the epochs completed since the last poll: a summary and every reporting rank's progress. */
async function readEpochs(ctx: FollowContext, seen: FollowedRun, done: RunDone | undefined): Promise<void> {
  const keys = runKeys(ctx.runId);
  // Once the run is done, only the workers (peers) that finished it are waited for.
  const ranks = done ? done.reports.map((r) => r.rank) : Array.from({ length: ctx.reporting }, (_, r) => r);
  while (seen.summaries.length < ctx.config.epochs) {
    const epoch = seen.summaries.length + 1;
    const summary = await loadJson<EpochSummary>(ctx.store, keys.epochSummary(epoch));
    if (!summary) return;
    const perRank = await Promise.all(ranks.map((r) => loadJson<EpochProgress>(ctx.store, keys.progress(epoch, r))));
    if (perRank.some((p) => !p)) return;
    seen.summaries.push(summary);
    seen.progress.push(perRank as EpochProgress[]);
    const result = epochResult(summary, perRank as EpochProgress[], seen.progress[epoch - 2]);
    ctx.emit({ type: 'epoch', epoch, epochs: ctx.config.epochs, result });
  }
}

/** "worker rank 1 (function mltrain-allreduce-local-worker, pid 123) was killed by SIGKILL". */
export function describeDeath(r: InvocationRecord): string {
  const who = `${r.functionKey}${r.rank !== undefined ? ` rank ${r.rank}` : ''}`;
  const how = r.exit?.signal ? `was killed by ${r.exit.signal}` : `exited with code ${r.exit?.code ?? 'unknown'}`;
  return `${who} (function ${r.functionName}, pid ${r.pid ?? 'unknown'}) ${how} before returning`;
}

function whyStopped(runtime: LocalRuntime): string {
  const { lambda, stepFunctions, jobs } = runtime;
  const executions = describeExecutionFailures(stepFunctions.executions());
  const invocations = lambda.invocations().some((r) => r.status !== 'succeeded' && r.status !== 'running') || executions.length === 0
    ? [describeFailures(lambda.invocations(), jobs.jobs())] : [];
  return [...executions, ...invocations].join('; ');
}

function describeFailures(records: readonly InvocationRecord[], jobs: readonly LocalJobRecord[]): string {
  const failed = records.filter((r) => r.status !== 'succeeded' && r.status !== 'running');
  const failedJobs = jobs.filter((j) => j.status === 'failed')
    .map((j) => `${j.job} ${j.runId} exited with ${j.signal ?? `code ${j.exitCode}`} (see its log)`);
  if (failed.length === 0 && failedJobs.length === 0) return 'every invocation returned, but the run left no result (see the logs)';
  return [...failed.map((r) => `${r.functionKey}${r.rank !== undefined ? ` rank ${r.rank}` : ''} ${r.status}: ${r.error ?? ''}`), ...failedJobs].join('; ');
}

function describeExecutionFailures(executions: readonly ExecutionRecord[]): string[] {
  return executions.filter((e) => e.status !== 'SUCCEEDED' && e.status !== 'RUNNING')
    .map((e) => `state machine ${e.machine} execution ${e.name} ${e.status}${e.error ? `: ${e.error}` : ''}${e.cause ? ` (${e.cause})` : ''}`);
}
