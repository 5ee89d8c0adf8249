import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildGpuTrainerBundle } from '../../gpu/bundle';
import { queuedRuns } from '../../lib/frameworks/gpu/job-queue';
import type { JobLauncher } from '../../lib/frameworks/gpu/launcher';
import { enqueueRun } from '../../lib/frameworks/gpu/job-queue';
import { startGpuRun } from '../../lib/frameworks/gpu/trigger';
import { datasetPrefix, runKeys } from '../../lib/frameworks/run/run-keys';
import { startServers, type ServerSet } from '../../lib/local/servers';
import { uploadDataset } from '../../lib/ml/data/bucket';
import { loadDataset } from '../../lib/ml/data/catalog';
import { loadJson } from '../../lib/stores/json';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { S3Store } from '../../lib/stores/s3';
import { createLogger } from '../../lib/util/log';

// What the GPU instance does at every boot (gpu/bootstrap/run-jobs.sh), run here for real: the
// trainer bundle the plugin builds is fetched and unpacked, trains the queued run from S3 (a local
// s3rver) with no node_modules but its own, its log goes to the bucket, and the machine is powered
// off, also when something fails. Only the AWS CLI (a script that copies files) and the power-off
// command are stand-ins.

const ROOT = path.join(__dirname, '..', '..');
const BUCKET = 'gpu-boot-test';
let dir: string;
let servers: ServerSet;
let store: S3Store;

const FAKE_AWS = `#!/bin/bash
# Stand-in for the AWS CLI: the bundle's SSM parameter, and s3 cp between local folders.
[ -n "\${FAKE_AWS_FAIL:-}" ] && [ "$1" = "$FAKE_AWS_FAIL" ] && { echo "fake aws: $1 refused" >&2; exit 254; }
case "$1 $2" in
  "ssm get-parameter") echo "s3://deployment-bucket/gpu-trainer.zip" ;;
  "s3 cp")
    shift 2; files=(); for a in "$@"; do case "$a" in --*) ;; *) files+=("$a") ;; esac; done
    src="\${files[0]/#s3:\\/\\/deployment-bucket/$FAKE_DEPLOYMENT_DIR}"; dst="\${files[1]/#s3:\\/\\//$FAKE_UPLOADS_DIR/}"
    mkdir -p "$(dirname "$dst")" && cp "$src" "$dst" ;;
  *) echo "fake aws: unexpected $*" >&2; exit 1 ;;
esac
`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'gpu-boot-'));
  servers = await startServers(['s3'], { s3: { directory: path.join(dir, 's3'), buckets: [BUCKET] } });
  store = new S3Store(createLocalS3Client(servers.servers.s3!.endpoint), BUCKET);
  await uploadDataset(store, loadDataset('synthetic', 7), { dataset: 'synthetic', workers: 2, seed: 7, prefix: datasetPrefix('synthetic', 2, 7) });
  mkdirSync(path.join(dir, 'deployment'));
  await buildGpuTrainerBundle({ repoRoot: ROOT, nodeModulesDir: path.join(ROOT, 'node_modules'), outFile: path.join(dir, 'deployment', 'gpu-trainer.zip') });
  mkdirSync(path.join(dir, 'bin'));
  writeFileSync(path.join(dir, 'bin', 'aws'), FAKE_AWS);
  chmodSync(path.join(dir, 'bin', 'aws'), 0o755);
}, 60_000);
afterAll(async () => {
  await servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the boot script as systemd would, in its own folders; returns its exit code. */
async function boot(name: string, extraEnv: Record<string, string> = {}, existing?: string): Promise<{ code: number; home: string }> {
  const home = existing ?? path.join(dir, name);
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, 'mltrain.env'), [
    `MLTRAIN_BUCKET=${BUCKET}`, 'MLTRAIN_BUNDLE_PARAMETER=/mltrain/test/gpu-trainer-bundle', 'MLTRAIN_MAX_HOURS=1',
    'MLTRAIN_NATIVE_PACKAGE=', 'AWS_REGION=us-east-1', '',
  ].join('\n'));
  const env = {
    PATH: `${path.join(dir, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`,
    MLTRAIN_ENV_FILE: path.join(home, 'mltrain.env'), MLTRAIN_HOME: path.join(home, 'opt'), MLTRAIN_LOG_DIR: path.join(home, 'log'),
    MLTRAIN_POWER_OFF: `touch ${path.join(home, 'powered-off')}`, MLTRAIN_LOG_FLUSH_SECONDS: '0',
    FAKE_DEPLOYMENT_DIR: path.join(dir, 'deployment'), FAKE_UPLOADS_DIR: path.join(home, 'uploads'),
    AWS_ENDPOINT_URL_S3: servers.servers.s3!.endpoint, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
    AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1', ...extraEnv,
  };
  const code = await promisify(execFile)('bash', [path.join(ROOT, 'gpu', 'bootstrap', 'run-jobs.sh')], { env, cwd: home })
    .then(() => 0, (err: { code: number }) => err.code);
  return { code, home };
}

const queueOnly: JobLauncher = { launch: async (runId) => { await enqueueRun(store, runId); return { launcher: 'ec2', instanceId: 'i-test', previousState: 'stopped', currentState: 'pending' }; } };
const quiet = createLogger({}, () => undefined);

test('fetches the bundle, trains the queued run from the bucket, ships its log and powers off', async () => {
  const { runId } = await startGpuRun({ config: { dataset: 'synthetic', workers: 2, epochs: 1, batchSize: 32, seed: 7 } }, { store, launcher: queueOnly, log: quiet });
  const { code, home } = await boot('ok');
  expect(code).toBe(0);
  expect(existsSync(path.join(home, 'powered-off'))).toBe(true);
  expect(await loadJson(store, runKeys(runId).done)).toMatchObject({ numParams: 4740, reports: [{ backend: 'wasm' }] });
  expect(await queuedRuns(store)).toEqual([]);
  const log = readFileSync(path.join(home, 'log', 'trainer.log'), 'utf8').trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  expect(log.find((l) => l.message === 'trainer started')).toMatchObject({ runId, backend: 'wasm' });
  expect(log.find((l) => l.message === 'epoch finished')).toMatchObject({ runId, epoch: 1 });
  expect(log.find((l) => l.function === 'bootstrap' && l.level === 'warn')).toMatchObject({ message: 'no TensorFlow GPU device in the log: the runs trained on the CPU' });
  expect(log[log.length - 1]).toMatchObject({ function: 'bootstrap', message: 'powering off' });
  const shipped = readdirSync(path.join(home, 'uploads', BUCKET, 'jobs', 'gpu', 'logs'));
  expect(shipped).toEqual([expect.stringMatching(/^\d{8}T\d{6}Z-trainer\.log$/)]);

  // The next boot (the next trigger) finds the same bundle: no unpacking, nothing queued, off again.
  rmSync(path.join(home, 'powered-off'));
  const again = await boot('ok', {}, home);
  expect(again.code).toBe(0);
  expect(existsSync(path.join(home, 'powered-off'))).toBe(true);
  expect(readFileSync(path.join(home, 'log', 'trainer.log'), 'utf8')).toContain('trainer bundle unchanged; reusing');
}, 120_000);

test('powers off too when the bundle cannot be fetched, and says why', async () => {
  const { code, home } = await boot('no-bundle', { FAKE_AWS_FAIL: 'ssm' });
  expect(code).not.toBe(0);
  expect(existsSync(path.join(home, 'powered-off'))).toBe(true);
  const log = readFileSync(path.join(home, 'log', 'trainer.log'), 'utf8');
  expect(log).toContain('cannot read /mltrain/test/gpu-trainer-bundle');
  expect(log).toContain('powering off');
}, 60_000);
