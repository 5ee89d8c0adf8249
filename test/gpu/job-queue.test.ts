import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { StartInstancesCommand } from '@aws-sdk/client-ec2';
import { queuedRuns } from '../../lib/frameworks/gpu/job-queue';
import { Ec2InstanceLauncher } from '../../lib/frameworks/gpu/launchers/ec2';
import { startGpuRun } from '../../lib/frameworks/gpu/trigger';
import { runKeys, datasetPrefix } from '../../lib/frameworks/run/run-keys';
import { readRunFailure } from '../../lib/frameworks/run/run-status';
import { startServers, type ServerSet } from '../../lib/local/servers';
import { uploadDataset } from '../../lib/ml/data/bucket';
import { loadDataset } from '../../lib/ml/data/catalog';
import { loadJson } from '../../lib/stores/json';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { S3Store } from '../../lib/stores/s3';
import { createLogger } from '../../lib/util/log';
import { expectedModelEngine } from '../helpers/model-engine';

// The AWS path without AWS: the trigger's EC2 launcher queues runs in a real (local) S3 bucket and
// starts the instance through an EC2 client (a fake: there is no local EC2); then the instance's
// job runner, `gpu/job.ts --queue`, trains every queued run from the bucket and returns.

const ROOT = path.join(__dirname, '..', '..');
const BUCKET = 'gpu-queue-test';
const quiet = createLogger({}, () => undefined);
let dir: string;
let servers: ServerSet;
let store: S3Store;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-queue-'));
  servers = await startServers(['s3'], { s3: { directory: dir, buckets: [BUCKET] } });
  store = new S3Store(createLocalS3Client(servers.servers.s3!.endpoint), BUCKET);
  await uploadDataset(store, loadDataset('synthetic', 7), { dataset: 'synthetic', workers: 2, seed: 7, prefix: datasetPrefix('synthetic', 2, 7) });
}, 60_000);
afterAll(async () => {
  await servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** An EC2 client that answers StartInstances with the given outcomes, in turn. */
function fakeEc2(outcomes: ('stopping' | 'stopped' | 'running' | 'denied')[]) {
  const calls: string[][] = [];
  return {
    calls,
    send: async (command: StartInstancesCommand) => {
      calls.push(command.input.InstanceIds ?? []);
      const outcome = outcomes[Math.min(calls.length, outcomes.length) - 1];
      if (outcome === 'stopping') throw Object.assign(new Error('The instance is not in a state from which it can be started.'), { name: 'IncorrectInstanceState' });
      if (outcome === 'denied') throw Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' });
      return { StartingInstances: [{ InstanceId: 'i-0abc', PreviousState: { Name: outcome }, CurrentState: { Name: outcome === 'running' ? 'running' : 'pending' } }] };
    },
  };
}

const config = { dataset: 'synthetic' as const, workers: 2, epochs: 1, batchSize: 32, seed: 7 };

test('the trigger queues each run and starts the instance, retrying while it is still stopping', async () => {
  const ec2 = fakeEc2(['stopping', 'stopping', 'stopped']);
  const launcher = new Ec2InstanceLauncher(ec2 as never, 'i-0abc', store, quiet, { initialDelayMs: 10 });
  const first = await startGpuRun({ runId: 'gpu-test-a', config }, { store, launcher, log: quiet });
  expect(first.launch).toEqual({ launcher: 'ec2', instanceId: 'i-0abc', previousState: 'stopped', currentState: 'pending' });
  expect(ec2.calls).toEqual([['i-0abc'], ['i-0abc'], ['i-0abc']]);
  const second = await startGpuRun({ runId: 'gpu-test-b', config }, { store, launcher: new Ec2InstanceLauncher(fakeEc2(['running']) as never, 'i-0abc', store, quiet), log: quiet });
  expect(second.launch).toMatchObject({ previousState: 'running', currentState: 'running' });
  expect(await queuedRuns(store)).toEqual(['gpu-test-a', 'gpu-test-b']);
  expect(await loadJson(store, runKeys('gpu-test-a').config)).toMatchObject({ framework: 'gpu', config: { workers: 2, lr: 0.05 } });
});

test('gives up with a clear error when the instance cannot be started, leaving the run queued', async () => {
  const stuck = new Ec2InstanceLauncher(fakeEc2(['stopping']) as never, 'i-0abc', store, quiet, { stoppingWaitMs: 60, initialDelayMs: 20 });
  await expect(startGpuRun({ runId: 'gpu-test-c', config }, { store, launcher: stuck, log: quiet }))
    .rejects.toThrow(/could not start GPU instance i-0abc: The instance is not in a state .* Run gpu-test-c stays queued/);
  const denied = new Ec2InstanceLauncher(fakeEc2(['denied']) as never, 'i-0abc', store, quiet);
  await expect(denied.launch('gpu-test-d')).rejects.toThrow('could not start GPU instance i-0abc: You are not authorized');
  expect(await queuedRuns(store)).toEqual(['gpu-test-a', 'gpu-test-b', 'gpu-test-c', 'gpu-test-d']);
  await store.delete(['jobs/gpu/queue/gpu-test-c.json', 'jobs/gpu/queue/gpu-test-d.json']);
});

test('a second delivery of a trigger returns the first result without launching; another configuration under its runId is refused', async () => {
  const ec2 = fakeEc2(['stopped']);
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({}, (line) => lines.push(JSON.parse(line)));
  const launcher = new Ec2InstanceLauncher(ec2 as never, 'i-0abc', store, log);
  const first = await loadJson<{ startedAt: string }>(store, runKeys('gpu-test-a').config);
  const again = await startGpuRun({ runId: 'gpu-test-a', config }, { store, launcher, log });
  expect(again.launch).toEqual({ launcher: 'ec2', instanceId: 'i-0abc', previousState: 'stopped', currentState: 'pending' }); // the first launch's
  expect(lines.filter((l) => l.message === 'duplicate delivery ignored')).toEqual([expect.objectContaining({ runId: 'gpu-test-a', step: 'trigger of run gpu-test-a' })]);
  await expect(startGpuRun({ runId: 'gpu-test-a', config: { ...config, epochs: 2 } }, { store, launcher, log }))
    .rejects.toThrow('run gpu-test-a already exists in the bucket with another configuration (epochs 2 (recorded 1)); choose another runId');
  expect(ec2.calls).toHaveLength(0);
  expect(await loadJson(store, runKeys('gpu-test-a').config)).toEqual(expect.objectContaining({ startedAt: first!.startedAt }));
  expect(await queuedRuns(store)).toEqual(['gpu-test-a', 'gpu-test-b']);
});

test('the instance\'s job runner trains every queued run from the bucket, then empties the queue', async () => {
  const env = {
    ...process.env, MLTRAIN_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: servers.servers.s3!.endpoint,
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  };
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gpu', 'job.ts'), '--queue'], { cwd: ROOT, env });
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
  expect(lines[lines.length - 1]).toMatchObject({ message: 'queue empty', trained: ['gpu-test-a', 'gpu-test-b'], failed: [] });
  for (const runId of ['gpu-test-a', 'gpu-test-b']) {
    expect(await loadJson(store, runKeys(runId).done)).toMatchObject({ numParams: 4740, reports: [{ rank: 0, backend: expectedModelEngine() }] });
    expect(await loadJson(store, runKeys(runId).epochSummary(1))).toMatchObject({ epoch: 1 });
    expect(await readRunFailure(store, runId)).toBeUndefined();
  }
  expect(await queuedRuns(store)).toEqual([]);
}, 90_000);

test('the job runner refuses bad arguments with its usage', async () => {
  const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(ROOT, 'gpu', 'job.ts')], { cwd: ROOT, env: { ...process.env, MLTRAIN_BUCKET: BUCKET } })
    .catch((e: { code: number; stderr: string }) => e);
  expect(err).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: gpu-job (--run <runId> | --queue)') });
});
