import type { FunctionInvoker } from '../../functions/invoker';
import type { ObjectStore } from '../../stores/types';
import type { FrameworkName } from '../catalog';
import type { DataParallelWorkerEvent } from './events';
import { openRun, saveRunRecord } from './run-record';
import { resolveTrainingConfig, type TrainingConfig } from './training-config';

// How every framework's trigger opens a run: resolve the event's configuration for the framework,
// check the dataset and that the run id is new, check what the framework needs, record the run.

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

export async function openTriggeredRun<C extends TrainingConfig = TrainingConfig>(
  framework: FrameworkName, event: { runId?: string; manifestKey?: string; config?: unknown }, store: ObjectStore, opts: OpenRunOptions<C> = {},
): Promise<OpenedRun<C>> {
  const config = resolveTrainingConfig(opts.input ?? event.config, { framework, what: 'trigger event config' }) as C;
  opts.validate?.(config);
  const { runId, manifestKey } = await openRun(store, framework, event, config);
  const run: OpenedRun<C> = { runId, manifestKey, config };
  const undo = await opts.prepare?.(run);
  try {
    await saveRunRecord(store, framework, run, config);
  } catch (err) {
    await undo?.().catch(() => undefined);
    throw err;
  }
  return run;
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
