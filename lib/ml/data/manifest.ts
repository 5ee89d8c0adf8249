/**
 * The JSON manifest written beside a prepared dataset's shards. It is read back by workers from a
 * bucket, so it is validated field by field and every error names the field's path.
 */
import { codebookBytes, codebookChannels } from './feature-codebook';
import { featuresPerRow } from './types';

/**
 * 2: features may be stored coded (dtype 'uint8', feature-codebook.ts). A local run re-prepares a
 * dataset whose manifest is older, so it gets the smaller shards; workers read both forms.
 */
export const DATASET_FORMAT_VERSION = 2;

export interface ShardEntry {
  count: number;
  featureShape: number[];
  numClasses: number;
  /**
   * Features: 'float32' is count × product(featureShape) float32 little-endian; 'uint8' is the
   * same values coded losslessly through a 256-entry table per channel (feature-codebook.ts).
   */
  x: { key: string; dtype: 'float32' | 'uint8'; bytes: number };
  /** Labels, one uint8 per row. */
  y: { key: string; dtype: 'uint8'; bytes: number };
}

export interface DatasetManifest {
  dataset: string;
  seed: number;
  workers: number;
  /** DATASET_FORMAT_VERSION of the code that wrote it; absent before version 2. */
  formatVersion?: number;
  /** ISO 8601 timestamp. */
  createdAt: string;
  /** One shard per worker, all the same size. */
  train: ShardEntry[];
  test: ShardEntry;
  /** Present when training batches are augmented (batches.ts). */
  augmentation?: 'crop-flip';
}

type Json = Record<string, unknown>;

function object(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${path} must be an object, got ${describe(value)}`);
  return value as Json;
}

function integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${path} must be an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

function nonEmptyString(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new Error(`${path} must be a non-empty string, got ${describe(value)}`);
  return value;
}

function literal<T extends string>(value: unknown, expected: T, path: string): T {
  if (value !== expected) throw new Error(`${path} must be '${expected}', got ${describe(value)}`);
  return expected;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function validateShardEntry(json: unknown, path = 'shard'): ShardEntry {
  const entry = object(json, path);
  const count = integer(entry.count, `${path}.count`, 1);
  if (!Array.isArray(entry.featureShape) || entry.featureShape.length === 0) {
    throw new Error(`${path}.featureShape must be a non-empty array, got ${describe(entry.featureShape)}`);
  }
  const featureShape = entry.featureShape.map((d, i) => integer(d, `${path}.featureShape[${i}]`, 1));
  const numClasses = integer(entry.numClasses, `${path}.numClasses`, 2, 256);
  const x = object(entry.x, `${path}.x`);
  const y = object(entry.y, `${path}.y`);
  if (x.dtype !== 'float32' && x.dtype !== 'uint8') throw new Error(`${path}.x.dtype must be 'float32' or 'uint8', got ${describe(x.dtype)}`);
  const values = count * featuresPerRow(featureShape);
  const channels = codebookChannels(featureShape);
  const xBytes = x.dtype === 'float32' ? values * 4 : codebookBytes(values, channels);
  if (x.bytes !== xBytes) {
    const rule = x.dtype === 'float32' ? 'count × features × 4' : `${channels} × 256 × 4 table bytes + count × features`;
    throw new Error(`${path}.x.bytes must be ${rule} = ${xBytes}, got ${describe(x.bytes)}`);
  }
  if (y.bytes !== count) throw new Error(`${path}.y.bytes must equal count ${count}, got ${describe(y.bytes)}`);
  return {
    count,
    featureShape,
    numClasses,
    x: { key: nonEmptyString(x.key, `${path}.x.key`), dtype: x.dtype, bytes: xBytes },
    y: { key: nonEmptyString(y.key, `${path}.y.key`), dtype: literal(y.dtype, 'uint8', `${path}.y.dtype`), bytes: count },
  };
}

function sameShape(a: ShardEntry, b: ShardEntry): boolean {
  return a.numClasses === b.numClasses && a.featureShape.join(',') === b.featureShape.join(',');
}

export function validateManifest(json: unknown): DatasetManifest {
  const manifest = object(json, 'manifest');
  const dataset = nonEmptyString(manifest.dataset, 'manifest.dataset');
  const seed = integer(manifest.seed, 'manifest.seed', Number.MIN_SAFE_INTEGER);
  const workers = integer(manifest.workers, 'manifest.workers', 1);
  const formatVersion = manifest.formatVersion === undefined ? undefined : integer(manifest.formatVersion, 'manifest.formatVersion', 2);
  const createdAt = nonEmptyString(manifest.createdAt, 'manifest.createdAt');
  if (Number.isNaN(Date.parse(createdAt))) throw new Error(`manifest.createdAt must be an ISO 8601 timestamp, got ${describe(createdAt)}`);
  if (!Array.isArray(manifest.train)) throw new Error(`manifest.train must be an array, got ${describe(manifest.train)}`);
  if (manifest.train.length !== workers) {
    throw new Error(`manifest.train has ${manifest.train.length} shards, expected one per worker (${workers})`);
  }
  const train = manifest.train.map((entry, i) => validateShardEntry(entry, `manifest.train[${i}]`));
  train.forEach((entry, i) => {
    // Equal shard sizes keep every worker on the same number of steps.
    if (entry.count !== train[0].count) throw new Error(`manifest.train[${i}].count ${entry.count} differs from manifest.train[0].count ${train[0].count}`);
    if (!sameShape(entry, train[0])) throw new Error(`manifest.train[${i}] featureShape/numClasses differ from manifest.train[0]`);
  });
  const test = validateShardEntry(manifest.test, 'manifest.test');
  if (!sameShape(test, train[0])) throw new Error('manifest.test featureShape/numClasses differ from manifest.train[0]');
  if (manifest.augmentation !== undefined) literal(manifest.augmentation, 'crop-flip', 'manifest.augmentation');
  return { dataset, seed, workers, ...(formatVersion !== undefined ? { formatVersion } : {}), createdAt, train, test, ...(manifest.augmentation !== undefined ? { augmentation: 'crop-flip' as const } : {}) };
}
