import { initBackend } from '../../lib/ml/backend';
import { uploadDataset } from '../../lib/ml/data/bucket';
import { makeSyntheticImages } from '../../lib/ml/data/synthetic-images';
import type { Dataset } from '../../lib/ml/data/types';
import { createModel, type Batch, type FlatModel } from '../../lib/ml/models';
import { CALIBRATION_ROWS, calibrateFromTraining } from '../../lib/ml/models/calibration-rows';
import { withWorkerData } from '../../lib/frameworks/run/worker-data';
import type { ObjectStore } from '../../lib/stores/types';

// Every worker that evaluates fixes its batch-norm statistics from its own first training rows.

/** Just enough of a bucket for uploadDataset and the downloads. */
function mapStore(): ObjectStore {
  const objects = new Map<string, Buffer>();
  const unused = (): never => { throw new Error('not used by this test'); };
  return {
    kind: 's3',
    save: async (key, bytes) => { objects.set(key, Buffer.from(bytes)); },
    load: async (key) => objects.get(key),
    loadOrWait: unused, delete: unused, list: unused, clear: unused,
  };
}

function rows(count: number): Dataset {
  return { name: 't', x: Float32Array.from({ length: count * 2 }, (_, i) => i), y: new Uint8Array(count), count, featureShape: [2], numClasses: 2 };
}

describe('calibrateFromTraining', () => {
  const recording = (): FlatModel & { seen: Batch[] } => {
    const seen: Batch[] = [];
    return { seen, setCalibration: (b: Batch) => { seen.push(b); } } as unknown as FlatModel & { seen: Batch[] };
  };

  it('gives the first 512 rows of a larger shard, and all rows of a smaller one', () => {
    const big = recording();
    calibrateFromTraining(big, rows(600));
    expect(big.seen).toHaveLength(1);
    expect(big.seen[0].count).toBe(CALIBRATION_ROWS);
    expect(big.seen[0].x.length).toBe(CALIBRATION_ROWS * 2);
    expect(Array.from(big.seen[0].x.subarray(0, 4))).toEqual([0, 1, 2, 3]);
    const small = recording();
    calibrateFromTraining(small, rows(40));
    expect(small.seen[0].count).toBe(40);
    expect(small.seen[0].x.length).toBe(80);
  });

  it('leaves a model without batch norm alone', () => {
    expect(() => calibrateFromTraining({} as FlatModel, rows(10))).not.toThrow();
  });
});

describe('withWorkerData', () => {
  beforeAll(async () => { await initBackend(); });

  it('hands over a paper model that evaluates with its shard’s statistics', async () => {
    const store = mapStore();
    const data = makeSyntheticImages({ trainCount: 48, testCount: 16, seed: 3 });
    const { manifestKey } = await uploadDataset(store, data, { dataset: 'synthetic-images', workers: 2, seed: 5, prefix: 'd' });
    const event = { manifestKey, rank: 0, numWorkers: 2, config: { model: 'mobilenetv3-small' as const } };
    const seen = await withWorkerData(store, event, async ({ model, shard, testSet }) => ({ shard, testSet: testSet!, result: model.evaluate(testSet!) }));

    const spec = { inputShape: seen.shard.featureShape, numClasses: seen.shard.numClasses };
    const calibrated = createModel('mobilenetv3-small', spec);
    const uncalibrated = createModel('mobilenetv3-small', spec);
    try {
      calibrated.setCalibration!({ x: seen.shard.x, y: seen.shard.y, count: seen.shard.count });
      expect(seen.result).toEqual(calibrated.evaluate(seen.testSet));
      // Without the call the test set's own statistics would be used, which differ.
      expect(seen.result.loss).not.toBeCloseTo(uncalibrated.evaluate(seen.testSet).loss, 6);
    } finally {
      calibrated.dispose();
      uncalibrated.dispose();
    }
  }, 120_000);
});
