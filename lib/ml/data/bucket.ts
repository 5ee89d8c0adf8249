import type { ObjectStore } from '../../stores/types';
import { loadJson, saveJson } from '../../stores/json';
import { DATASET_FORMAT_VERSION, validateManifest, type DatasetManifest, type ShardEntry } from './manifest';
import { decodeShard, encodeShard } from './shard-codec';
import { shardIndices, takeRows } from './shards';
import type { Dataset } from './types';

// A prepared dataset in a bucket: one binary shard per worker (shard-codec.ts: features one byte a
// value when that is lossless, float32 otherwise; uint8 labels), the test split, and a JSON
// manifest that says where each object is and how large it must be.

export interface DatasetLocation {
  /** Key of manifest.json; the shards sit beside it. */
  manifestKey: string;
}

export async function uploadDataset(
  store: ObjectStore,
  data: { train: Dataset; test: Dataset },
  opts: { dataset: string; workers: number; seed: number; prefix: string; augment?: boolean },
): Promise<DatasetLocation & { manifest: DatasetManifest }> {
  const prefix = opts.prefix.replace(/\/$/, '');
  const train: ShardEntry[] = [];
  const shards = shardIndices(data.train.count, opts.workers, opts.seed);
  for (const [i, indices] of shards.entries()) {
    const encoded = encodeShard(takeRows(data.train, indices), `${prefix}/train-${i}`);
    await Promise.all([store.save(encoded.manifestEntry.x.key, encoded.x), store.save(encoded.manifestEntry.y.key, encoded.y)]);
    train.push(encoded.manifestEntry);
  }
  const test = encodeShard(data.test, `${prefix}/test`);
  await Promise.all([store.save(test.manifestEntry.x.key, test.x), store.save(test.manifestEntry.y.key, test.y)]);
  const manifest: DatasetManifest = {
    dataset: opts.dataset, seed: opts.seed, workers: opts.workers, formatVersion: DATASET_FORMAT_VERSION, createdAt: new Date().toISOString(), train, test: test.manifestEntry,
    ...(opts.augment ? { augmentation: 'crop-flip' as const } : {}),
  };
  // The manifest goes last: its presence means every shard is in place.
  const manifestKey = `${prefix}/manifest.json`;
  await saveJson(store, manifestKey, manifest);
  return { manifestKey, manifest };
}

/** Reads and checks the manifest; `workers` must match its shard count. */
export async function loadManifest(store: ObjectStore, manifestKey: string, workers: number): Promise<DatasetManifest> {
  const json = await loadJson(store, manifestKey);
  if (json === undefined) {
    throw new Error(`no dataset manifest at ${manifestKey}: prepare the data first (mltrain prepare-data --workers ${workers})`);
  }
  const manifest = validateManifest(json);
  if (manifest.workers !== workers) {
    throw new Error(`dataset ${manifestKey} is split into ${manifest.workers} shards but the run has ${workers} workers; prepare it with --workers ${workers}`);
  }
  return manifest;
}

/**
 * Whether a prepared split can be used as it is: present, valid for `workers`, and written in the
 * current format. An older one is still readable, but preparing it again gives the smaller shards.
 */
export async function isCurrentDataset(store: ObjectStore, manifestKey: string, workers: number): Promise<boolean> {
  return loadManifest(store, manifestKey, workers).then((m) => m.formatVersion === DATASET_FORMAT_VERSION, () => false);
}

export async function downloadShard(store: ObjectStore, manifest: DatasetManifest, shard: number): Promise<Dataset> {
  const entry = manifest.train[shard];
  if (!entry) throw new Error(`dataset has no shard ${shard} (it has ${manifest.train.length})`);
  const data = await download(store, entry);
  return manifest.augmentation === 'crop-flip' ? { ...data, augment: { seed: manifest.seed, worker: shard } } : data;
}

export function downloadTestSet(store: ObjectStore, manifest: DatasetManifest): Promise<Dataset> {
  return download(store, manifest.test);
}

async function download(store: ObjectStore, entry: ShardEntry): Promise<Dataset> {
  const [x, y] = await Promise.all([store.load(entry.x.key), store.load(entry.y.key)]);
  if (!x) throw new Error(`dataset object ${entry.x.key} is missing`);
  if (!y) throw new Error(`dataset object ${entry.y.key} is missing`);
  return decodeShard(entry, x, y);
}
