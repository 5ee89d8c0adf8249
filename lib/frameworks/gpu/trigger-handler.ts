import { lambdaHandler } from '../../functions/handler';
import { TrafficCounter } from '../../metrics/traffic';
import { getS3Client } from '../../stores/s3-client';
import { S3Store } from '../../stores/s3';
import { createLogger } from '../../util/log';
import { triggerEventSchema } from '../run/events';
import { createJobLauncher, gpuBucketName } from './environment';
import { startGpuRun } from './trigger';

// The gpu service's one Lambda function: the trigger, which launches the trainer.

export const gpuTriggerHandler = lambdaHandler({
  what: 'trigger event',
  schema: triggerEventSchema,
  deps: () => {
    const log = createLogger({ service: process.env.MLTRAIN_SERVICE ?? 'unknown', function: 'trigger' });
    const store = new S3Store(getS3Client(), gpuBucketName(), new TrafficCounter());
    return { store, launcher: createJobLauncher(store, log), log };
  },
  run: startGpuRun,
});
