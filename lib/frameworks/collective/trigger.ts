import type { FunctionInvoker } from '../../functions/invoker';
import type { ObjectStore, StoreKind } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { TriggerEvent } from '../run/events';
import { startWorkers, triggerOnce, type RunStarted } from '../run/open-run';
import { runKeys } from '../run/run-keys';
import type { CollectiveFramework } from './collectives';

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

/**
 * Checks the dataset and the channel, records the run's configuration and starts the N workers
 * asynchronously, once per run and configuration (triggerOnce).
 */
export function startCollectiveRun(framework: CollectiveFramework, event: TriggerEvent, deps: TriggerDeps): Promise<RunStarted> {
  const input = { ...event.config, channel: event.config?.channel ?? deps.deployedChannel };
  return triggerOnce(framework, event, deps, {
    input,
    prepare: ({ runId, config }) => probeChannel(deps.openChannel(config.channel!), `${runKeys(runId).sync}probe`),
  }, async (run) => {
    const started = await startWorkers(deps.invoker, deps.workerFunctionName, run);
    deps.log.info('run started', { runId: run.runId, framework, channel: run.config.channel, workers: started.workers, manifestKey: run.manifestKey });
    return started;
  });
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
