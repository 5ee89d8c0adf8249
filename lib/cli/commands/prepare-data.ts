import { getS3Client } from '../../stores/s3-client';
import { S3Store } from '../../stores/s3';
import { datasetPrefix } from '../../frameworks/run/run-keys';
import { uploadDataset } from '../../ml/data/bucket';
import { loadDataset } from '../../ml/data/catalog';
import type { DatasetName } from '../../ml/data/names';

/** mltrain prepare-data: seeded disjoint shards + manifest into a bucket (AWS credentials from the usual chain). */
export async function prepareDataCommand(opts: { bucket: string; dataset: DatasetName; workers: number; seed: number }): Promise<number> {
  const store = new S3Store(getS3Client(), opts.bucket);
  const t0 = Date.now();
  const { manifestKey, manifest } = await uploadDataset(store, loadDataset(opts.dataset, opts.seed), {
    dataset: opts.dataset, workers: opts.workers, seed: opts.seed, prefix: datasetPrefix(opts.dataset, opts.workers, opts.seed),
  });
  process.stdout.write(`uploaded ${opts.dataset}: ${manifest.workers} shards of ${manifest.train[0].count} samples and a test set of ${manifest.test.count} `
    + `to s3://${opts.bucket}/${manifestKey} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}
