import { getS3Client } from '../../stores/s3-client';
import { S3Store } from '../../stores/s3';
import { datasetPrefix } from '../../frameworks/run/run-keys';
import { uploadDataset } from '../../ml/data/bucket';
import { isAugmented, loadDataset, preparedDataSuffix, type DatasetOptions } from '../../ml/data/catalog';
import type { DatasetName } from '../../ml/data/names';

/** mltrain prepare-data: seeded disjoint shards + manifest into a bucket (AWS credentials from the usual chain). */
export async function prepareDataCommand(opts: { bucket: string; dataset: DatasetName; workers: number; seed: number } & DatasetOptions): Promise<number> {
  const store = new S3Store(getS3Client(), opts.bucket);
  const t0 = Date.now();
  const data = loadDataset(opts.dataset, opts.seed, opts);
  const { manifestKey, manifest } = await uploadDataset(store, data, {
    dataset: opts.dataset, workers: opts.workers, seed: opts.seed, augment: isAugmented(opts.dataset),
    prefix: datasetPrefix(opts.dataset, opts.workers, opts.seed) + preparedDataSuffix(opts),
  });
  process.stdout.write(`uploaded ${opts.dataset}: ${manifest.workers} shards of ${manifest.train[0].count} samples and a test set of ${manifest.test.count} `
    + `to s3://${opts.bucket}/${manifestKey} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}
