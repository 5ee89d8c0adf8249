import type { FunctionInvoker } from '../../functions/invoker';
import type { ObjectStore, StoreKind } from '../../stores/types';
import type { Logger } from '../../util/log';
import { runKeys } from '../run/run-keys';
import { openRun, saveRunRecord } from '../run/run-record';
import { resolveTrainingConfig, type TrainingConfig } from '../run/training-config';
import type { CollectiveFramework } from './collectives';
import type { TriggerEvent, WorkerEvent } from './events';

export interface TriggerDeps {
  store: ObjectStore;
  /** The store the run's gradients will travel through, built for the resolved channel. */
  openChannel: (channel: StoreKind) => ObjectStore;
  invoker: FunctionInvoker;
  workerFunctionName: string;
  /** The channel the stack was deployed for: the default when the event names none. */
  deployedChannel?: StoreKind;
  log: Logger;
}

export interface RunStarted {
  runId: string;
  workers: number;
  manifestKey: string;
  config: TrainingConfig;
}

/**
 * Checks the dataset and the channel, records the run's configuration and starts the N workers
 * asynchronously.
 */
export async function startCollectiveRun(framework: CollectiveFramework, event: TriggerEvent, deps: TriggerDeps): Promise<RunStarted> {
  const input = { ...event.config, channel: event.config?.channel ?? deps.deployedChannel };
  const config = resolveTrainingConfig(input, { framework, what: 'trigger event config' });
  const { runId, manifestKey } = await openRun(deps.store, framework, event, config);
  await probeChannel(deps.openChannel(config.channel!), `${runKeys(runId).sync}probe`);
  await saveRunRecord(deps.store, framework, { runId, manifestKey }, config);
  await Promise.all(Array.from({ length: config.workers }, (_, rank) => {
    const workerEvent: WorkerEvent = { runId, rank, numWorkers: config.workers, config, manifestKey, invocation: 1 };
    return deps.invoker.invokeAsync(deps.workerFunctionName, workerEvent);
  }));
  deps.log.info('run started', { runId, framework, channel: config.channel, workers: config.workers, manifestKey });
  return { runId, workers: config.workers, manifestKey, config };
}

/** A write, a read and a delete: an unreachable or misconfigured channel fails here, not in N workers. */
async function probeChannel(channel: ObjectStore, key: string): Promise<void> {
  try {
    await channel.save(key, Buffer.from('ok'));
    const back = await channel.load(key);
    if (back?.toString() !== 'ok') throw new Error('a value written could not be read back');
    await channel.delete([key]);
  } catch (err) {
    throw new Error(`the ${channel.kind} channel does not work: ${(err as Error).message}`);
  }
}
