import type { FunctionInvoker } from '../../functions/invoker';
import type { RedisBlobs } from '../../stores/redis-blobs';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { TriggerEvent } from '../run/events';
import { triggerOnce } from '../run/open-run';
import type { MllessConfig, SupervisorEvent } from './events';
import { ACTIVE_RUN_KEY } from './keys';

export interface TriggerDeps {
  store: ObjectStore;
  updates: RedisBlobs;
  invoker: FunctionInvoker;
  supervisorFunctionName: string;
  /** Worker queues this deployment has (its `workers` parameter). */
  deployedWorkers: number;
  log: Logger;
}

export interface RunStarted {
  runId: string;
  workers: number;
  manifestKey: string;
  config: MllessConfig;
}

/**
 * How long the lease on the deployment's queues lasts without renewal. The supervisor renews it
 * every few seconds; this only has to outlast a supervisor's hand-over to its next invocation.
 */
export function leaseTtlMs(config: MllessConfig): number {
  return 5 * 60_000 + 2 * config.syncTimeoutSeconds * 1000;
}

/**
 * Checks the dataset and the deployment, takes the deployment's lease (its queues serve one run at
 * a time), records the run's configuration and starts the supervisor, which starts the workers.
 */
export function startMllessRun(event: TriggerEvent, deps: TriggerDeps): Promise<RunStarted> {
  return triggerOnce<MllessConfig, RunStarted>('mlless', event, deps, {
    validate: (c) => {
      if (c.workers > deps.deployedWorkers) {
        throw new Error(`this deployment has queues for ${deps.deployedWorkers} workers, the run asks for ${c.workers}: redeploy with --param workers=${c.workers}`);
      }
    },
    prepare: (run) => takeLease(deps.updates, run.runId, run.config),
  }, async ({ runId, manifestKey, config }) => {
    try {
      const supervisorEvent: SupervisorEvent = { runId, config, manifestKey, invocation: 1 };
      await deps.invoker.invokeAsync(deps.supervisorFunctionName, supervisorEvent);
    } catch (err) {
      await deps.updates.release(ACTIVE_RUN_KEY, runId).catch(() => undefined);
      throw err;
    }
    deps.log.info('run started', { runId, workers: config.workers, variant: config.variant, threshold: config.threshold, manifestKey });
    return { runId, workers: config.workers, manifestKey, config };
  });
}

/** The deployment's queues serve one run at a time: claims them for `runId`; returns how to give them back. */
async function takeLease(updates: RedisBlobs, runId: string, config: MllessConfig): Promise<() => Promise<unknown>> {
  const lease = await updates.claim(ACTIVE_RUN_KEY, runId, leaseTtlMs(config));
  if (!lease.acquired) {
    throw new Error(`run ${lease.holder} is still using this deployment's queues; wait for it to end (or deploy another stage to run both)`);
  }
  return () => updates.release(ACTIVE_RUN_KEY, runId);
}
