import { loadManifest } from '../../ml/data/bucket';
import type { DatasetManifest } from '../../ml/data/manifest';
import type { ObjectStore } from '../../stores/types';
import { roundPosition, roundsPerEpoch, validationCount, type RoundPosition } from './rounds';

// Where a round falls in the run, for steps that do not load the data (or TensorFlow.js).

const manifests = new Map<string, DatasetManifest>();

/** Where a round falls in the run, from the manifest alone (no data download, no TensorFlow.js). */
export async function roundPositionOf(
  store: ObjectStore, event: { manifestKey: string; peer: number; round: number; config: { workers: number; batches: number; batchSize: number; epochs: number } },
): Promise<RoundPosition> {
  let manifest = manifests.get(event.manifestKey);
  if (!manifest) {
    manifest = await loadManifest(store, event.manifestKey, event.config.workers);
    manifests.set(event.manifestKey, manifest);
  }
  const count = manifest.train[event.peer].count;
  const perEpoch = roundsPerEpoch(count - validationCount(count), event.config.batches, event.config.batchSize);
  return roundPosition(event.round, perEpoch, event.config.epochs);
}
