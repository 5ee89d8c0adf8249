import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadShard, downloadTestSet, isCurrentDataset, uploadDataset } from '../../lib/ml/data/bucket';
import { saveJson } from '../../lib/stores/json';
import { loadCifar10 } from '../../lib/ml/data/cifar10';
import { CODEBOOK_SIZE, codebookChannels, decodeCodebook, encodeCodebook } from '../../lib/ml/data/feature-codebook';
import { decodeShard, encodeShard, shardIndices, takeRows, validateManifest } from '../../lib/ml/data/shards';
import type { Dataset } from '../../lib/ml/data/types';
import { writeCifarFolder } from '../helpers/cifar-folder';
import { startStoreServer, type StoreServer } from '../stores/helpers';

// Image features are pixel bytes scaled to floats: stored as one byte a value through a table per
// channel, they come back bit for bit and take a quarter of the space.

const bitsOf = (x: Float32Array): Uint32Array => new Uint32Array(x.buffer, x.byteOffset, x.length);

/** MNIST's form: every value is b/255 for a byte b, as lib/ml/data/mnist.ts computes it. */
function pixelRows(count: number, side = 28, seed = 1): Dataset {
  const scale = new Float32Array(256).map((_, v) => v / 255);
  let s = seed;
  const x = Float32Array.from({ length: count * side * side }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % 3 === 0 ? 0 : scale[s % 256]; // mostly zeros, as MNIST is
  });
  return { name: 'pixels', x, y: Uint8Array.from({ length: count }, (_, i) => i % 10), count, featureShape: [side, side, 1], numClasses: 10 };
}

describe('encodeCodebook / decodeCodebook', () => {
  it('gives MNIST-like pixels back bit for bit in a quarter of the bytes plus one 1 KiB table', () => {
    const { x } = pixelRows(50);
    const coded = encodeCodebook(x, 1)!;
    expect(coded.length).toBe(CODEBOOK_SIZE * 4 + x.length);
    expect(coded.length).toBeLessThan(x.length * 4 / 3.8);
    expect(bitsOf(decodeCodebook(coded, x.length, 1))).toEqual(bitsOf(x));
  });

  it('keeps a table per channel, so three channels of 256 values each still code', () => {
    const channels = 3;
    const x = Float32Array.from({ length: 256 * channels * 4 }, (_, i) => ((i % channels) - 1) * 10 + Math.fround(Math.floor(i / channels) % 256 / 7));
    expect(new Set(x).size).toBeGreaterThan(256);
    const coded = encodeCodebook(x, channels)!;
    expect(coded).toBeDefined();
    expect(bitsOf(decodeCodebook(coded, x.length, channels))).toEqual(bitsOf(x));
  });

  it('leaves features with more than 256 distinct values per channel, or too few values to gain, as float32', () => {
    const noisy = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i));
    expect(encodeCodebook(noisy, 1)).toBeUndefined();
    expect(encodeCodebook(new Float32Array(300), 1)).toBeUndefined(); // 1,324 bytes coded vs 1,200
    expect(encodeCodebook(new Float32Array(400), 1)).toBeDefined();
  });

  it('tells −0 from 0 and keeps a NaN payload', () => {
    const x = new Float32Array(2048);
    const bits = bitsOf(x);
    bits[1] = 0x80000000; // −0
    bits[2] = 0x7fc00001; // a NaN with a payload
    bits[3] = 0x3f800000; // 1
    const back = bitsOf(decodeCodebook(encodeCodebook(x, 1)!, x.length, 1));
    expect([back[0], back[1], back[2], back[3]]).toEqual([0, 0x80000000, 0x7fc00001, 0x3f800000]);
  });

  it('refuses coded bytes of the wrong size, naming both sizes', () => {
    const coded = encodeCodebook(pixelRows(2).x, 1)!;
    expect(() => decodeCodebook(coded.subarray(1), 1568, 1)).toThrow('coded features: got 2591 bytes, expected 2592 (1 × 256 float32 table entries and 1568 indices)');
    expect(() => encodeCodebook(new Float32Array(10), 3)).toThrow('channels must be a positive integer dividing the 10 values, got 3');
  });

  it('reads channels from the last axis of an image shape, one table for a flat vector', () => {
    expect(codebookChannels([32, 32, 3])).toBe(3);
    expect(codebookChannels([28, 28, 1])).toBe(1);
    expect(codebookChannels([784])).toBe(1);
  });
});

describe('shards with coded features', () => {
  it('stores pixel rows as uint8 with the manifest saying so, and decodes them exactly', () => {
    const ds = pixelRows(20);
    const { manifestEntry, x, y } = encodeShard(ds, 'p');
    expect(manifestEntry.x).toEqual({ key: 'p/x.bin', dtype: 'uint8', bytes: 1024 + 20 * 784 });
    const back = decodeShard(manifestEntry, x, y);
    expect(bitsOf(back.x)).toEqual(bitsOf(ds.x));
    expect(() => decodeShard(manifestEntry, x.subarray(1), y)).toThrow(`shard p/x.bin: got ${x.length - 1} bytes, manifest says ${x.length}`);
  });

  it('checks a coded entry’s size rule and the dtype in the manifest', () => {
    const entry = encodeShard(pixelRows(20), 'p').manifestEntry;
    const manifest = { dataset: 'm', seed: 1, workers: 1, formatVersion: 2, createdAt: new Date(0).toISOString(), train: [entry], test: entry };
    expect(validateManifest(manifest).formatVersion).toBe(2);
    const bad = (mutate: (m: typeof manifest) => void) => {
      const copy = JSON.parse(JSON.stringify(manifest)) as typeof manifest;
      mutate(copy);
      return () => validateManifest(copy);
    };
    expect(bad((m) => { m.train[0].x.bytes = 20 * 784; })).toThrow('manifest.train[0].x.bytes must be 1 × 256 × 4 table bytes + count × features = 16704, got 15680');
    expect(bad((m) => { (m.train[0].x as { dtype: string }).dtype = 'int8'; })).toThrow("manifest.train[0].x.dtype must be 'float32' or 'uint8', got \"int8\"");
    expect(bad((m) => { m.formatVersion = 1; })).toThrow('manifest.formatVersion must be an integer in [2, 9007199254740991], got 1');
  });
});

describe('a coded dataset through the real local S3', () => {
  let s3: StoreServer;
  let dir: string;
  beforeAll(async () => {
    s3 = await startStoreServer('s3');
    dir = mkdtempSync(path.join(os.tmpdir(), 'codebook-cifar-'));
    writeCifarFolder(dir);
  }, 90_000);
  afterAll(async () => {
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads CIFAR-10 (normalised per channel) a quarter the size and downloads the same bits', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => i * 17);
    const data = loadCifar10(dir, { train: rows, test: rows.slice(0, 50) });
    const store = s3.open();
    const { manifest, manifestKey } = await uploadDataset(store, data, { dataset: 'cifar10', workers: 2, seed: 3, prefix: 'datasets/cifar-coded' });
    expect(manifestKey).toBe('datasets/cifar-coded/manifest.json');
    expect(manifest.formatVersion).toBe(2);
    expect(manifest.train.map((e) => [e.x.dtype, e.x.bytes])).toEqual([['uint8', 3 * 1024 + 100 * 3072], ['uint8', 3 * 1024 + 100 * 3072]]);
    const shard = await downloadShard(store, manifest, 1);
    const expected = takeRows(data.train, shardIndices(data.train.count, 2, 3)[1]);
    expect(shard.count).toBe(100);
    expect(bitsOf(shard.x)).toEqual(bitsOf(expected.x));
    expect(shard.y).toEqual(expected.y);
    const test = await downloadTestSet(store, manifest);
    expect(bitsOf(test.x)).toEqual(bitsOf(data.test.x));
  });

  it('counts a split as current only when its manifest has this format version (a local run re-prepares older ones)', async () => {
    const store = s3.open();
    const data = loadCifar10(dir, { train: [0, 1, 2, 3], test: [0, 1] });
    const { manifest, manifestKey } = await uploadDataset(store, data, { dataset: 'cifar10', workers: 2, seed: 3, prefix: 'datasets/versions' });
    expect(await isCurrentDataset(store, manifestKey, 2)).toBe(true);
    expect(await isCurrentDataset(store, manifestKey, 4)).toBe(false); // split for another worker count
    expect(await isCurrentDataset(store, 'datasets/none/manifest.json', 2)).toBe(false);
    const { formatVersion: _, ...older } = manifest;
    await saveJson(store, manifestKey, older);
    expect(await isCurrentDataset(store, manifestKey, 2)).toBe(false);
  });
});
