import { initBackend } from '../../ml/backend';
import { downloadShard, downloadTestSet, loadManifest } from '../../ml/data/bucket';
import type { Dataset } from '../../ml/data/types';
import { createModel, type FlatModel } from '../../ml/models';
import { calibrateFromTraining } from '../../ml/models/calibration-rows';
import type { ObjectStore } from '../../stores/types';
import { splitShard } from './rounds';

// A peer's data and model, for the steps that compute. A warm function keeps them: only its first
// invocation downloads the shard.

export interface PeerData {
  train: Dataset;
  validation: Dataset;
  test?: Dataset;
  model: FlatModel;
}

// A warm function keeps its shard and model: only the first invocation downloads them.
const dataCache = new Map<string, PeerData>();

export async function peerData(store: ObjectStore, manifestKey: string, workers: number, peer: number, modelKind: Parameters<typeof createModel>[0], withTestSet = false): Promise<PeerData> {
  await initBackend();
  const cacheKey = `${manifestKey}|${peer}|${modelKind}`;
  const cached = dataCache.get(cacheKey);
  if (cached && (!withTestSet || cached.test)) return cached;
  const manifest = await loadManifest(store, manifestKey, workers);
  const shard = cached ? undefined : await downloadShard(store, manifest, peer);
  const split = shard ? splitShard(shard) : cached!;
  const meta = manifest.train[peer];
  const data: PeerData = {
    train: split.train, validation: split.validation,
    test: withTestSet ? await downloadTestSet(store, manifest) : cached?.test,
    model: cached?.model ?? createModel(modelKind, { inputShape: meta.featureShape, numClasses: meta.numClasses }),
  };
  if (!cached) calibrateFromTraining(data.model, data.train);
  dataCache.set(cacheKey, data);
  return data;
}

/** A new model of the run's kind and the dataset's shape, for a step that needs no data rows. */
export async function peerModel(store: ObjectStore, manifestKey: string, workers: number, peer: number, modelKind: Parameters<typeof createModel>[0]): Promise<FlatModel> {
  await initBackend();
  const meta = (await loadManifest(store, manifestKey, workers)).train[peer];
  if (!meta) throw new Error(`dataset ${manifestKey} has no shard for peer ${peer}`);
  return createModel(modelKind, { inputShape: meta.featureShape, numClasses: meta.numClasses });
}
