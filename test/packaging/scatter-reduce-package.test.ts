import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import AdmZip from 'adm-zip';

// `serverless package` of services/scatter-reduce for every --param channel=..., offline with no
// AWS credentials. The four packagings run at once, each from its own copy of the service folder
// (serverless-esbuild builds inside it), placed beside the original so relative paths still hold.

const ROOT = path.join(__dirname, '..', '..');
const SERVICE = path.join(ROOT, 'services', 'scatter-reduce');
const CHANNELS = ['s3', 'redis', 'memcached', 'dynamodb'] as const;
type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

const templates: Record<string, Resources> = {};
const cleanup: string[] = [];
let zipEntries: string[] = [];

beforeAll(async () => {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile' };
  await Promise.all(CHANNELS.map(async (channel) => {
    const copy = path.join(ROOT, 'services', `.package-scatter-reduce-${channel}-${process.pid}`);
    const out = mkdtempSync(path.join(os.tmpdir(), `scatter-reduce-package-${channel}-`));
    cleanup.push(copy, out);
    cpSync(SERVICE, copy, { recursive: true, filter: (src) => !/\.(esbuild|serverless)$/.test(src) });
    await promisify(execFile)(path.join(ROOT, 'node_modules', '.bin', 'serverless'),
      ['package', '--stage', 'dev', '--param', `channel=${channel}`, '--package', out], { cwd: copy, env });
    templates[channel] = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')).Resources;
    if (channel === 's3') zipEntries = new AdmZip(path.join(out, 'mltrain-scatter-reduce.zip')).getEntries().map((e) => e.entryName);
  }));
}, 240_000);

afterAll(() => { for (const dir of cleanup) rmSync(dir, { recursive: true, force: true }); });

const env = (channel: string, fn: string) => templates[channel][`${fn}LambdaFunction`].Properties.Environment.Variables;
const statements = (channel: string) => templates[channel].IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as any[];

test('declares trigger and worker on nodejs22.x arm64 for every channel; the worker gets TensorFlow.js from the layer, not its bundle', () => {
  for (const channel of CHANNELS) {
    for (const fn of ['Trigger', 'Worker']) {
      expect(templates[channel][`${fn}LambdaFunction`].Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
      expect(env(channel, fn)).toMatchObject({ MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_CHANNEL: channel, MLTRAIN_WORKER_FUNCTION: 'mltrain-scatter-reduce-dev-worker' });
      expect(JSON.stringify(env(channel, fn))).not.toMatch(/SECRET|PASSWORD|KEY_ID/i);
    }
    expect(templates[channel].WorkerLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
  }
  expect(zipEntries).toEqual(expect.arrayContaining(['handlers/worker.js', 'handlers/trigger.js']));
  expect(zipEntries.some((e) => e.endsWith('.wasm'))).toBe(false);
  for (const channel of CHANNELS) expect(templates[channel].WorkerLambdaFunction.Properties.Layers).toEqual([{ Ref: 'TfjsLambdaLayer' }]);
});

test('s3 adds nothing beyond the bucket', () => {
  expect(Object.keys(templates.s3).filter((id) => id.startsWith('Channel'))).toEqual([]);
  expect(JSON.stringify(statements('s3'))).not.toContain('dynamodb');
});

test('dynamodb: the table, its name in every function, IAM on that table only', () => {
  expect(templates.dynamodb.ChannelTable.Type).toBe('AWS::DynamoDB::Table');
  for (const fn of ['Trigger', 'Worker']) expect(env('dynamodb', fn).MLTRAIN_DYNAMODB_TABLE).toEqual({ Ref: 'ChannelTable' });
  const dynamo = statements('dynamodb').filter((s) => s.Action.some((a: string) => a.startsWith('dynamodb:')));
  expect(dynamo.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': ['ChannelTable', 'Arn'] }]);
  expect(JSON.stringify(statements('dynamodb'))).not.toContain('"*"');
});

test('redis and memcached: an ElastiCache node in the VPC and its endpoint in every function', () => {
  expect(templates.redis.ChannelCache.Properties).toMatchObject({ Engine: 'redis', TransitEncryptionEnabled: true });
  expect(templates.memcached.ChannelCache.Properties).toMatchObject({ Engine: 'memcached' });
  expect(templates.memcached.ChannelCacheParameters.Properties.Properties.max_item_size).toBe('134217728');
  for (const fn of ['Trigger', 'Worker']) {
    expect(JSON.stringify(env('redis', fn).REDIS_URL)).toContain('rediss://');
    expect(JSON.stringify(env('memcached', fn).MEMCACHED_URL)).toContain('ConfigurationEndpoint.Port');
  }
  for (const channel of ['redis', 'memcached']) {
    expect(templates[channel].ChannelCacheIngress.Properties.SourceSecurityGroupId).toEqual({ Ref: 'MltrainFunctionSecurityGroup' });
  }
});
