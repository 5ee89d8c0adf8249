import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';

// `serverless package` (osls) runs offline with no AWS credentials; the generated CloudFormation
// template is what `sls deploy` would create, so its important properties are checked here.

const ROOT = path.join(__dirname, '..', '..');
const SERVICE = path.join(ROOT, 'services', 'allreduce');
let outDir: string;
let resources: Record<string, { Type: string; Properties: Record<string, any> }>;

beforeAll(() => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'allreduce-package-'));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile' };
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'serverless'), ['package', '--stage', 'dev', '--package', outDir], { cwd: SERVICE, env, stdio: 'pipe' });
  resources = JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const fn = (name: string) => resources[`${name}LambdaFunction`].Properties;

test('declares the trigger and worker functions on nodejs22.x arm64', () => {
  for (const name of ['Trigger', 'Worker']) {
    expect(fn(name).Runtime).toBe('nodejs22.x');
    expect(fn(name).Architectures).toEqual(['arm64']);
  }
  expect(fn('Trigger').FunctionName).toBe('mltrain-allreduce-dev-trigger');
  expect(fn('Worker').Handler).toBe('handlers/worker.handler');
  expect(fn('Worker').Timeout).toBe(900);
  expect(fn('Worker').MemorySize).toBe(1769);
});

test('gives the functions the bucket and the worker name, and no secrets', () => {
  for (const name of ['Trigger', 'Worker']) {
    const vars = fn(name).Environment.Variables;
    expect(vars.MLTRAIN_BUCKET).toEqual({ Ref: 'DataBucket' });
    expect(vars.MLTRAIN_WORKER_FUNCTION).toBe('mltrain-allreduce-dev-worker');
    expect(vars.MLTRAIN_STAGE).toBe('dev');
    expect(JSON.stringify(vars)).not.toMatch(/SECRET|PASSWORD|KEY_ID/i);
  }
});

test('scopes IAM to the service bucket and the worker function', () => {
  const statements = resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as any[];
  const s3 = statements.filter((s) => s.Action.some((a: string) => a.startsWith('s3:')));
  expect(s3.map((s) => s.Resource)).toEqual([{ 'Fn::Sub': '${DataBucket.Arn}/*' }, { 'Fn::GetAtt': ['DataBucket', 'Arn'] }]);
  const invoke = statements.find((s) => s.Action.includes('lambda:InvokeFunction'));
  expect(invoke.Resource['Fn::Sub']).toMatch(/:function:mltrain-allreduce-dev-worker$/);
  expect(JSON.stringify(statements)).not.toContain('"*"');
});

test('keeps logs 14 days, never retries a worker, and blocks public access to the bucket', () => {
  expect(resources.WorkerLogGroup.Properties.RetentionInDays).toBe(14);
  expect(resources.WorkerLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
  expect(resources.DataBucket.Properties.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
});

test('ships the tfjs wasm binaries beside the bundled handlers', () => {
  const entries = new AdmZip(path.join(outDir, 'mltrain-allreduce.zip')).getEntries().map((e) => e.entryName);
  expect(entries).toEqual(expect.arrayContaining(['handlers/worker.js', 'handlers/trigger.js', 'handlers/tfjs-backend-wasm-simd.wasm', 'handlers/tfjs-backend-wasm.wasm']));
  expect(entries.some((e) => e.includes('node_modules/@aws-sdk'))).toBe(false); // the runtime provides SDK v3
});
