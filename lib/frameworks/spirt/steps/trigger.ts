import { openRun, saveRunRecord } from '../../run/run-record';
import { resolveTrainingConfig } from '../../run/training-config';
import type { SpirtDeps } from '../deps';
import type { PeerEvent, SpirtConfig } from '../events';
import type { spirtTriggerEventSchema } from '../events';
import type { z } from 'zod';

export interface SpirtRunStarted {
  runId: string;
  peers: number;
  batches: number;
  manifestKey: string;
  config: SpirtConfig;
}

/** Checks the dataset, records the run, creates its queues and starts every peer's init_peers. */
export async function startSpirtRun(event: z.output<typeof spirtTriggerEventSchema>, deps: SpirtDeps): Promise<SpirtRunStarted> {
  const config = resolveTrainingConfig(event.config, { framework: 'spirt', what: 'trigger event config' }) as SpirtConfig;
  const { runId, manifestKey } = await openRun(deps.store, 'spirt', event, config);
  await saveRunRecord(deps.store, 'spirt', { runId, manifestKey }, config);
  await deps.queues(runId).create(config.workers);
  await Promise.all(Array.from({ length: config.workers }, (_, peer) => {
    const peerEvent: PeerEvent = { runId, peer, config, manifestKey };
    return deps.invoker.invokeAsync(deps.functionName('init_peers'), peerEvent);
  }));
  deps.log.info('run started', { runId, peers: config.workers, batches: config.batches, aggregation: config.aggregation, attack: config.attack, inDb: config.inDb });
  return { runId, peers: config.workers, batches: config.batches, manifestKey, config };
}
