/**
 * A dataset shard as stored in a bucket: features coded to one byte per value when that loses
 * nothing (feature-codebook.ts), float32 little-endian otherwise, and uint8 labels.
 */
import { decodeTensor, encodeTensor } from '../tensor';
import { codebookChannels, decodeCodebook, encodeCodebook } from './feature-codebook';
import { validateShardEntry, type ShardEntry } from './manifest';
import { featuresPerRow, type Dataset } from './types';

/** Object keys are `${keyPrefix}/x.bin` and `${keyPrefix}/y.bin`. */
export function encodeShard(ds: Dataset, keyPrefix: string): { manifestEntry: ShardEntry; x: Buffer; y: Buffer } {
  if (typeof keyPrefix !== 'string' || keyPrefix.length === 0) throw new Error('keyPrefix must be a non-empty string');
  const features = featuresPerRow(ds.featureShape);
  if (ds.x.length !== ds.count * features) throw new Error(`dataset ${ds.name}: x length ${ds.x.length} does not match count ${ds.count} × ${features} features`);
  if (ds.y.length !== ds.count) throw new Error(`dataset ${ds.name}: y length ${ds.y.length} does not match count ${ds.count}`);
  const coded = encodeCodebook(ds.x, codebookChannels(ds.featureShape));
  const x = coded ?? encodeTensor(ds.x);
  const y = Buffer.from(ds.y); // copies
  const manifestEntry: ShardEntry = {
    count: ds.count,
    featureShape: [...ds.featureShape],
    numClasses: ds.numClasses,
    x: { key: `${keyPrefix}/x.bin`, dtype: coded ? 'uint8' : 'float32', bytes: x.length },
    y: { key: `${keyPrefix}/y.bin`, dtype: 'uint8', bytes: y.length },
  };
  return { manifestEntry, x, y };
}

/** Rebuilds a shard from its manifest entry and the two objects' bytes, checking sizes and labels. */
export function decodeShard(entry: ShardEntry, xBytes: Uint8Array, yBytes: Uint8Array, name = entry.x.key): Dataset {
  const checked = validateShardEntry(entry);
  if (xBytes.byteLength !== checked.x.bytes) throw new Error(`shard ${checked.x.key}: got ${xBytes.byteLength} bytes, manifest says ${checked.x.bytes}`);
  if (yBytes.byteLength !== checked.y.bytes) throw new Error(`shard ${checked.y.key}: got ${yBytes.byteLength} bytes, manifest says ${checked.y.bytes}`);
  const values = checked.count * featuresPerRow(checked.featureShape);
  const x = checked.x.dtype === 'uint8' ? decodeCodebook(xBytes, values, codebookChannels(checked.featureShape)) : decodeTensor(xBytes, values);
  const y = Uint8Array.from(yBytes);
  const bad = y.findIndex((label) => label >= checked.numClasses);
  if (bad >= 0) throw new Error(`shard ${checked.y.key}: label ${y[bad]} at row ${bad} is not below numClasses ${checked.numClasses}`);
  return { name, x, y, count: checked.count, featureShape: checked.featureShape, numClasses: checked.numClasses };
}
