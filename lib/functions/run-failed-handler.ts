import { destinationRecordSchema, recordAsyncFailure } from '../frameworks/run/async-failure';
import { ENV, requireEnv } from '../config/env';
import { getS3Client } from '../stores/s3-client';
import { S3Store } from '../stores/s3';
import { createLogger } from '../util/log';
import { lambdaHandler } from './handler';

// Every service's runFailed function: the on-failure destination of its asynchronously invoked
// functions (wired by the mltrain plugin). It needs only the data bucket.

export const runFailedHandler = lambdaHandler({
  what: 'on-failure destination record',
  schema: destinationRecordSchema,
  deps: () => ({
    store: new S3Store(getS3Client(), requireEnv(ENV.bucket)),
    log: createLogger({ service: process.env[ENV.service] ?? 'unknown', function: 'runFailed' }),
  }),
  run: recordAsyncFailure,
});
