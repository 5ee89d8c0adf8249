import { createJobLauncher, gpuBucketName } from '../../../lib/frameworks/gpu/environment';
import { gpuTriggerEventSchema } from '../../../lib/frameworks/gpu/events';
import { startGpuRun } from '../../../lib/frameworks/gpu/trigger';
import { parseOrThrow } from '../../../lib/frameworks/run/training-config';
import { TrafficCounter } from '../../../lib/metrics/traffic';
import { getS3Client } from '../../../lib/stores/s3-client';
import { S3Store } from '../../../lib/stores/s3';
import { createLogger } from '../../../lib/util/log';

/** sls invoke -f trigger -d '{"config":{"workers":4,"epochs":3}}' → { runId, launch, ... } */
export async function handler(event: unknown) {
  const input = parseOrThrow(gpuTriggerEventSchema, event ?? {}, 'trigger event');
  const log = createLogger({ service: process.env.MLTRAIN_SERVICE ?? 'unknown', function: 'trigger' });
  const store = new S3Store(getS3Client(), gpuBucketName(), new TrafficCounter());
  return startGpuRun(input, { store, launcher: createJobLauncher(store, log), log });
}
