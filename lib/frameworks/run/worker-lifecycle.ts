import { once, type DuplicateInProgress } from '../../functions/idempotency';
import { sha256Hex } from '../../ml/tensor';
import type { TrafficSnapshot } from '../../metrics/traffic';
import { saveJson } from '../../stores/json';
import { ObjectClaimLedger } from '../../stores/object-claims';
import type { Logger } from '../../util/log';
import type { WorkerReport } from './reports';
import { runKeys } from './run-keys';
import { markRunFailed, RunFailedError } from './run-status';
import { withWorkerData, type DataParallelWorkerDeps, type WorkerData } from './worker-data';
import { concludeRun, newEpochStats, recordEpoch, type EpochEvaluation, type EpochStats } from './worker-reports';

// The life of one invocation of a resumable worker, the same for every data-parallel framework:
// load the data, resume the state (fresh on invocation 1, from the checkpoint after), train until
// done or until the time limit nears, then hand over (checkpoint, re-invoke itself, log). A failure
// marks the run failed so that the others stop. Each framework gives only its step loop.

/** What identifies one invocation of one worker. */
export interface ResumableWorkerEvent {
  runId: string;
  rank: number;
  numWorkers: number;
  manifestKey: string;
  config: WorkerDataEventConfig & { syncTimeoutSeconds: number };
  /** 1 for the first invocation; each self re-invocation adds one and resumes from the checkpoint. */
  invocation: number;
}
type WorkerDataEventConfig = Parameters<typeof withWorkerData>[1]['config'];

/** The part of a worker's checkpointed state the lifecycle itself keeps. */
export interface ResumableState {
  epochStats: EpochStats;
  traffic: TrafficSnapshot;
  invocations: number;
}

export interface FailureHooks {
  /** The error worth reporting (default: the error itself). */
  explain?: (err: unknown) => Promise<Error>;
  /** After the run is marked failed: tell whoever waits on this worker (errors are ignored). */
  onFailed?: (reason: string) => Promise<unknown>;
}

/** One invocation of one worker: its event, clients and log, and the lifecycle's steps. */
export class WorkerInvocation<E extends ResumableWorkerEvent, D extends DataParallelWorkerDeps = DataParallelWorkerDeps> {
  constructor(readonly event: E, readonly deps: D, readonly log: Logger) {}

  /** The state to go on from: fresh on the first invocation, else the previous one's checkpoint. */
  async resume<S extends ResumableState>(load: () => Promise<S>, fresh: () => S): Promise<S> {
    const state = this.event.invocation > 1 ? await load() : fresh();
    this.deps.traffic.restore(state.traffic);
    state.invocations = this.event.invocation;
    return state;
  }

  /**
   * Saves the checkpoint (after `prepare` has put what only the framework knows into the state)
   * and starts the next invocation of this worker, which resumes from it.
   */
  async handOver<S extends ResumableState, P extends Record<string, number>>(
    state: S, checkpoint: (state: S) => Promise<void>, position: P, logExtra: Record<string, unknown> = {},
  ) {
    const { event, deps } = this;
    state.traffic = deps.traffic.snapshot();
    await checkpoint(state);
    const next = { ...event, invocation: event.invocation + 1 };
    await deps.invoker.invokeAsync(deps.workerFunctionName, next);
    this.log.info('handed over to a new invocation before the time limit', { ...position, ...logExtra, nextInvocation: next.invocation });
    return { status: 'handed-over' as const, runId: event.runId, rank: event.rank, ...position, invocation: next.invocation };
  }

  /** Saves the epoch's progress (and, given an evaluation, its test summary) and starts the next one's figures. */
  async finishEpoch(state: ResumableState, epoch: number, evaluation: EpochEvaluation | undefined, logExtra: Record<string, unknown> = {}): Promise<void> {
    const { event, deps } = this;
    const { progress, summary } = await recordEpoch(
      deps.store, event.runId, { rank: event.rank, epoch, stats: state.epochStats, traffic: deps.traffic.snapshot() }, evaluation,
    );
    if (summary) this.log.info('epoch finished', { ...summary, trainLoss: progress.trainLoss, ...logExtra });
    state.epochStats = newEpochStats();
  }

  /**
   * Saves this worker's report of the final parameters; worker 0 then waits for every report,
   * saves the final model and `done`, and `release`s what the run held (its channel, its model).
   */
  async finishRun(params: Float32Array, backend: string, release: () => Promise<unknown>, logExtra: Record<string, unknown> = {}) {
    const { event, deps } = this;
    const { runId, rank, numWorkers, config } = event;
    const paramsDigest = sha256Hex(params);
    const report: WorkerReport = { rank, backend, paramsDigest, invocations: event.invocation, traffic: deps.traffic.snapshot() };
    await saveJson(deps.store, runKeys(runId).report(rank), report);
    if (rank === 0) {
      await concludeRun(deps.store, runId, { params, paramsDigest }, { numWorkers, timeoutMs: config.syncTimeoutSeconds * 1000 }, release);
    }
    this.log.info('worker finished', { paramsDigest, ...logExtra });
    return { status: 'finished' as const, runId, rank, paramsDigest };
  }
}

/**
 * Runs one invocation of a worker: loads its data and gives it, with the invocation, to `train`.
 * The (run, rank, invocation) is claimed in the bucket first (a conditional PUT), so a second
 * delivery of the same event starts no second loop: it logs "duplicate delivery ignored" and
 * returns the first one's outcome. Any failure but the run's own recorded failure marks the run
 * failed (naming this worker), then is rethrown; a failure recorded elsewhere only stops this worker.
 */
export async function runWorkerInvocation<E extends ResumableWorkerEvent, D extends DataParallelWorkerDeps, T>(
  event: E, deps: D, train: (w: WorkerInvocation<E, D>, data: WorkerData) => Promise<T>, hooks: FailureHooks = {},
): Promise<T | DuplicateInProgress> {
  const { runId, rank, invocation } = event;
  const log = deps.log.child({ runId, rank, invocation });
  const key = runKeys(runId).stepClaim(`worker/rank-${rank}/invocation-${invocation}`);
  return once(new ObjectClaimLedger(deps.store), key, { log, what: `worker ${rank} invocation ${invocation}` }, async () => {
    try {
      return await withWorkerData(deps.store, event, (data) => train(new WorkerInvocation(event, deps, log), data));
    } catch (err) {
      const cause = hooks.explain ? await hooks.explain(err) : err as Error;
      if (cause instanceof RunFailedError) {
        log.error('stopping: the run was failed elsewhere', { reason: cause.failure.reason });
        throw cause;
      }
      const failure = await markRunFailed(deps.store, runId, cause.message, `worker ${rank}`).catch(() => undefined);
      await hooks.onFailed?.(cause.message).catch(() => undefined);
      log.error('worker failed', { error: cause, reason: failure?.reason });
      throw cause;
    }
  });
}
