import { parseArgs } from 'node:util';
import { gpuBucketName } from '../lib/frameworks/gpu/environment';
import { drainQueue } from '../lib/frameworks/gpu/job-queue';
import { trainGpuRun } from '../lib/frameworks/gpu/trainer';
import { assertRunId } from '../lib/frameworks/run/run-keys';
import { TrafficCounter } from '../lib/metrics/traffic';
import { getS3Client } from '../lib/stores/s3-client';
import { S3Store } from '../lib/stores/s3';
import { createLogger } from '../lib/util/log';

// The GPU trainer's entry point. On the instance the bootstrap runs `node gpu-job.js --queue`
// (train every queued run, then return so the instance can stop); locally the runtime's job server
// runs `gpu/job.ts --run <runId>`. Both read the run's configuration from the bucket.

const USAGE = 'usage: gpu-job (--run <runId> | --queue); the bucket comes from MLTRAIN_BUCKET';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { run: { type: 'string' }, queue: { type: 'boolean' } }, strict: true });
  if (Boolean(values.run) === Boolean(values.queue)) throw new Error(USAGE);
  const bucket = gpuBucketName();
  const log = createLogger({ service: process.env.MLTRAIN_SERVICE ?? 'mltrain-gpu', function: 'trainer' });
  const storeFor = (traffic: TrafficCounter) => new S3Store(getS3Client(), bucket, traffic);
  const train = (runId: string) => {
    const traffic = new TrafficCounter(); // one count per run, for its report
    return trainGpuRun(runId, { store: storeFor(traffic), traffic, log });
  };
  if (values.run) {
    assertRunId(values.run);
    await train(values.run);
    return 0;
  }
  const { trained, failed } = await drainQueue(storeFor(new TrafficCounter()), train, log);
  log.info('queue empty', { trained, failed });
  return failed.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`gpu-job: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
