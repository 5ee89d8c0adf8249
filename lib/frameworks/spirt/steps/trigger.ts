import type { TriggerEvent } from '../../run/events';
import { openTriggeredRun } from '../../run/open-run';
import type { SpirtDeps } from '../deps';
import type { PeerEvent, SpirtConfig } from '../events';

export interface SpirtRunStarted {
  runId: string;
  peers: number;
  batches: number;
  manifestKey: string;
  config: SpirtConfig;
}

/** Checks the dataset, records the run, creates its queues and starts every peer's init_peers. */
export async function startSpirtRun(event: TriggerEvent, deps: SpirtDeps): Promise<SpirtRunStarted> {
  const { runId, manifestKey, config } = await openTriggeredRun<SpirtConfig>('spirt', event, deps.store);
  await deps.queues(runId).create(config.workers);
  await Promise.all(Array.from({ length: config.workers }, (_, peer) => {
    const peerEvent: PeerEvent = { runId, peer, config, manifestKey };
    return deps.invoker.invokeAsync(deps.functionName('init_peers'), peerEvent);
  }));
  deps.log.info('run started', { runId, peers: config.workers, batches: config.batches, aggregation: config.aggregation, attack: config.attack, inDb: config.inDb });
  return { runId, peers: config.workers, batches: config.batches, manifestKey, config };
}
