import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveRunRecord } from '../../lib/frameworks/run/run-record';
import { runKeys } from '../../lib/frameworks/run/run-keys';
import { resolveTrainingConfig } from '../../lib/frameworks/run/training-config';
import { runFailedHandler } from '../../lib/functions/run-failed-handler';
import { startS3Process } from '../../lib/local/servers/s3-process';
import { loadJson } from '../../lib/stores/json';
import { S3Store } from '../../lib/stores/s3';
import { createLocalS3Client } from '../../lib/stores/s3-client';

// The runFailed function (every service's on-failure destination) given the record Lambda sends
// when an asynchronous invocation fails for good, against a real local S3: the run is marked
// failed at once, naming the function, the worker, the error type and message; a second delivery
// keeps the first cause; a record of a run never opened writes nothing.

const BUCKET = 'run-failed-test';
let dir: string;
let s3: Awaited<ReturnType<typeof startS3Process>>;
let store: S3Store;
const saved = { ...process.env };
const context = { getRemainingTimeInMillis: () => 30_000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:mltrain-allreduce-dev-runFailed' };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'run-failed-'));
  s3 = await startS3Process({ directory: dir, buckets: [BUCKET] });
  Object.assign(process.env, { AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', MLTRAIN_BUCKET: BUCKET });
  store = new S3Store(createLocalS3Client(s3.endpoint), BUCKET);
  const config = resolveTrainingConfig({ dataset: 'synthetic', workers: 2 }, { framework: 'allreduce' });
  await saveRunRecord(store, 'allreduce', { runId: 'killed-run', manifestKey: 'datasets/synthetic/w2-s42/manifest.json' }, config);
}, 60_000);
afterAll(async () => {
  process.env = saved;
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The record Lambda sends an on-failure destination (docs: "Capturing records of asynchronous invocations"). */
function destinationRecord(requestPayload: unknown, responsePayload: unknown) {
  return {
    version: '1.0',
    timestamp: '2026-12-03T17:00:00.000Z',
    requestContext: {
      requestId: 'e4b46cbf-b738-4d1d-8880-a18cdf61200e',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:mltrain-allreduce-dev-worker:$LATEST',
      condition: 'RetriesExhausted',
      approximateInvokeCount: 1,
    },
    requestPayload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload,
  };
}

const workerEvent = (runId: string) => ({ runId, rank: 1, numWorkers: 2, invocation: 3, manifestKey: 'datasets/synthetic/w2-s42/manifest.json', config: {} });

test('a failed worker invocation marks its run failed at once, naming the function, the rank and the error', async () => {
  const crash = { errorType: 'Runtime.ExitError', errorMessage: 'RequestId: e4b46cbf Error: Runtime exited with error: signal: killed' };
  const outcome = await runFailedHandler(destinationRecord(workerEvent('killed-run'), crash), context);
  const reason = 'function mltrain-allreduce-dev-worker rank 1 failed after 1 attempt (RetriesExhausted): Runtime.ExitError: RequestId: e4b46cbf Error: Runtime exited with error: signal: killed';
  expect(outcome).toMatchObject({ runId: 'killed-run', failure: { reason, detectedBy: 'on-failure destination' } });
  expect(await loadJson(store, runKeys('killed-run').failed)).toEqual(outcome.failure);
  // A second delivery (destinations are at least once too) keeps the first cause.
  const again = await runFailedHandler(destinationRecord(workerEvent('killed-run'), { errorMessage: 'Task timed out after 900.00 seconds' }), context);
  expect(again.failure).toEqual(outcome.failure);
});

test('a record of a run never opened is refused, and one naming no run is ignored, writing nothing', async () => {
  const before = (await store.list('')).sort();
  await expect(runFailedHandler(destinationRecord(workerEvent('never-opened'), { errorType: 'Error', errorMessage: 'x' }), context))
    .rejects.toThrow('run never-opened was never opened');
  expect(await runFailedHandler(destinationRecord({ something: 'else' }, null), context)).toEqual({ ignored: 'the failed event names no runId' });
  await expect(runFailedHandler({ requestPayload: {} }, context)).rejects.toThrow(/invalid on-failure destination record.*requestContext/);
  expect((await store.list('')).sort()).toEqual(before);
});
