import { onceWithResult } from '../../functions/idempotency';
import type { FunctionInvoker } from '../../functions/invoker';
import { ObjectClaimLedger } from '../../stores/object-claims';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { FrameworkName } from '../catalog';
import type { DataParallelWorkerEvent } from './events';
import { assertRunId, datasetManifestKey, newRunId, runKeys } from './run-keys';
import { openRun, runDigest, saveRunRecord } from './run-record';
import { resolveTrainingConfig, type TrainingConfig } from './training-config';

// How every framework's trigger opens a run: resolve the event's configuration for the framework,
// check the dataset and that the run id is new (or the same run delivered again), check what the
// framework needs, record the run, start it; all once per run and configuration.

export interface OpenedRun<C extends TrainingConfig = TrainingConfig> {
  runId: string;
  manifestKey: string;
  config: C;
}

/** What a data-parallel trigger returns. */
export interface RunStarted<C extends TrainingConfig = TrainingConfig> extends OpenedRun<C> {
  workers: number;
}

export interface OpenRunOptions<C extends TrainingConfig> {
  /** The configuration to resolve, when not the event's own (e.g. with a deployment default filled in). */
  input?: unknown;
  /** Refuses a configuration this deployment cannot run, before the bucket is read. */
  validate?: (config: C) => void;
  /**
   * Checks (or claims) what the framework needs once the run is known, before it is recorded;
   * may return how to undo the claim should recording fail.
   */
  prepare?: (run: OpenedRun<C>) => Promise<void | (() => Promise<unknown>)>;
}

/** How long a duplicate trigger waits for the first delivery's result (a trigger takes seconds). */
const TRIGGER_WAIT_MS = 30_000;

type TriggerEventInput = { runId?: string; manifestKey?: string; config?: unknown };

export interface TriggerDeps {
  store: ObjectStore;
  log: Logger;
}

/**
 * A trigger run once per (run, configuration): resolves the event's configuration, claims the
 * trigger's step in the bucket, opens and records the run and `start`s it. A second delivery of the
 * same event (same runId, same configuration and dataset) logs "duplicate delivery ignored" and
 * returns the first delivery's result without acting (waiting for it if the first is still running); another configuration under that runId is
 * refused (openRun). Without a runId every delivery is a new run.
 */
export async function triggerOnce<C extends TrainingConfig, R>(
  framework: FrameworkName, event: TriggerEventInput, deps: TriggerDeps, opts: OpenRunOptions<C>, start: (run: OpenedRun<C>) => Promise<R>,
): Promise<R> {
  const config = resolveTrainingConfig(opts.input ?? event.config, { framework, what: 'trigger event config' }) as C;
  opts.validate?.(config);
  const runId = event.runId ?? newRunId(framework);
  assertRunId(runId);
  const run: OpenedRun<C> = { runId, manifestKey: event.manifestKey ?? datasetManifestKey(config.dataset, config.workers, config.seed), config };
  const key = runKeys(runId).stepClaim(`trigger/${runDigest(config, run.manifestKey).slice(0, 16)}`);
  const log = deps.log.child({ runId });
  return onceWithResult(new ObjectClaimLedger(deps.store), key, { log, what: `trigger of run ${runId}`, waitMs: TRIGGER_WAIT_MS }, async () => {
    await openRun(deps.store, run, config);
    const undo = await opts.prepare?.(run);
    try {
      await saveRunRecord(deps.store, framework, run, config);
    } catch (err) {
      await undo?.().catch(() => undefined);
      throw err;
    }
    return start(run);
  });
}

/** Starts the run's N workers asynchronously, each at its first invocation. */
export async function startWorkers(invoker: FunctionInvoker, workerFunctionName: string, run: OpenedRun): Promise<RunStarted> {
  const { runId, manifestKey, config } = run;
  await Promise.all(Array.from({ length: config.workers }, (_, rank) => {
    const workerEvent: DataParallelWorkerEvent = { runId, rank, numWorkers: config.workers, config, manifestKey, invocation: 1 };
    return invoker.invokeAsync(workerFunctionName, workerEvent);
  }));
  return { ...run, workers: config.workers };
}
