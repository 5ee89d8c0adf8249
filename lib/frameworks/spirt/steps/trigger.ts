import { loadManifest } from '../../../ml/data/bucket';
import { saveJson } from '../../../stores/json';
import { datasetManifestKey, newRunId, runKeys } from '../../run-keys';
import { resolveTrainingConfig } from '../../training-config';
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
  const runId = event.runId ?? newRunId('spirt');
  const keys = runKeys(runId);
  const manifestKey = event.manifestKey ?? datasetManifestKey(config.dataset, config.workers, config.seed);
  await loadManifest(deps.store, manifestKey, config.workers);
  if (await deps.store.load(keys.config)) throw new Error(`run ${runId} already exists in the bucket; choose another runId`);
  await saveJson(deps.store, keys.config, { runId, framework: 'spirt', config, manifestKey, startedAt: new Date().toISOString() });
  await deps.queues(runId).create(config.workers);
  await Promise.all(Array.from({ length: config.workers }, (_, peer) => {
    const peerEvent: PeerEvent = { runId, peer, config, manifestKey };
    return deps.invoker.invokeAsync(deps.functionName('init_peers'), peerEvent);
  }));
  deps.log.info('run started', { runId, peers: config.workers, batches: config.batches, aggregation: config.aggregation, attack: config.attack, inDb: config.inDb });
  return { runId, peers: config.workers, batches: config.batches, manifestKey, config };
}
