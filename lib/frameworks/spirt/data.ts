import { initBackend } from '../../ml/backend';
import { downloadShard, downloadTestSet, loadManifest } from '../../ml/data/bucket';
import type { ShardEntry } from '../../ml/data/manifest';
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

type ModelKind = Parameters<typeof createModel>[0];

/** The event fields that say which peer's data and which model (every SPIRT event has them). */
export interface PeerDataRef {
  manifestKey: string;
  peer: number;
  config: { workers: number; model: ModelKind };
}

/** peerData for a step's event: its peer's shard and model, and the test set when asked. */
export function peerDataOf(store: ObjectStore, event: PeerDataRef, withTestSet = false): Promise<PeerData> {
  return peerData(store, event.manifestKey, event.config.workers, event.peer, event.config.model, withTestSet);
}

export async function peerData(store: ObjectStore, manifestKey: string, workers: number, peer: number, modelKind: ModelKind, withTestSet = false): Promise<PeerData> {
  await initBackend();
  const cacheKey = `${manifestKey}|${peer}|${modelKind}`;
  const cached = dataCache.get(cacheKey);
  if (cached && (!withTestSet || cached.test)) return cached;
  const manifest = await loadManifest(store, manifestKey, workers);
  const shard = cached ? undefined : await downloadShard(store, manifest, peer);
  const split = shard ? splitShard(shard) : cached!;
  const data: PeerData = {
    train: split.train, validation: split.validation,
    test: withTestSet ? await downloadTestSet(store, manifest) : cached?.test,
    model: cached?.model ?? modelFor(manifest.train[peer], modelKind),
  };
  if (!cached) calibrateFromTraining(data.model, data.train);
  dataCache.set(cacheKey, data);
  return data;
}

/** A new model of the run's kind and the dataset's shape, for a step that needs no data rows. */
export async function peerModel(store: ObjectStore, event: PeerDataRef): Promise<FlatModel> {
  await initBackend();
  const manifest = await loadManifest(store, event.manifestKey, event.config.workers);
  return modelFor(manifest.train[event.peer], event.config.model);
}

function modelFor(shard: ShardEntry, kind: ModelKind): FlatModel {
  return createModel(kind, { inputShape: shard.featureShape, numClasses: shard.numClasses });
}
