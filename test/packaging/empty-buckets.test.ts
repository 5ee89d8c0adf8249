import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { EMPTIER_IDS, EMPTIER_SOURCE, emptyBucketResources } from '../../plugins/mltrain/src/cleanup/empty-buckets';
import { startServers, type ServerSet } from '../../lib/local/servers';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { S3Store } from '../../lib/stores/s3';

// `sls remove` leaves no bucket behind: the custom resource's inline code, run here as Lambda would
// run it (its own process, the SDK from the runtime) against a local S3 (s3rver cannot page past 1,000 keys on
// Node 20's OpenSSL: its continuation tokens use DES, so a few hundred objects here),
// answering CloudFormation's pre-signed response URL (a local server).

const ROOT = path.join(__dirname, '..', '..');
let dir: string;
let servers: ServerSet;
let responses: Record<string, unknown>[];
let responder: http.Server;
let responseUrl: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'emptier-'));
  writeFileSync(path.join(dir, 'index.js'), EMPTIER_SOURCE);
  servers = await startServers(['s3'], { s3: { directory: path.join(dir, 's3'), buckets: ['full-bucket'] } });
  responses = [];
  responder = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => { responses.push({ method: req.method, ...JSON.parse(body) }); res.end(); });
  });
  await new Promise<void>((resolve) => responder.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(responder.address() as AddressInfo).port}/cfn-response?signature=x`;
}, 60_000);
afterAll(async () => {
  responder.close();
  await servers.stop();
  rmSync(dir, { recursive: true, force: true });
});

function invoke(requestType: string, bucket: string) {
  const event = {
    RequestType: requestType, ResponseURL: responseUrl, StackId: 'arn:aws:cloudformation:us-east-1:1:stack/s/1', RequestId: 'r1',
    LogicalResourceId: 'DataBucketEmptier', ResourceProperties: { Bucket: bucket }, ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'DataBucketEmptier-x' }),
  };
  const env = {
    PATH: process.env.PATH!, NODE_PATH: path.join(ROOT, 'node_modules'), AWS_ENDPOINT_URL_S3: servers.servers.s3!.endpoint, AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED', AWS_SDK_JS_SUPPRESS_NODE_VERSION_WARNING: '1',
  };
  return promisify(execFile)(process.execPath, ['-e', `require('./index.js').handler(${JSON.stringify(event)})`], { cwd: dir, env });
}

test('does nothing on create, and empties the bucket on delete', async () => {
  const store = new S3Store(createLocalS3Client(servers.servers.s3!.endpoint), 'full-bucket');
  const keys = Array.from({ length: 403 }, (_, i) => `runs/r${i % 7}/k${i}`);
  for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.save(k, Buffer.from('x'))));

  await invoke('Create', 'full-bucket');
  expect(responses.pop()).toMatchObject({ method: 'PUT', Status: 'SUCCESS', LogicalResourceId: 'DataBucketEmptier', PhysicalResourceId: 'DataBucketEmptier-full-bucket' });
  expect(await store.list('')).toHaveLength(403);

  await invoke('Delete', 'full-bucket');
  expect(responses.pop()).toMatchObject({ Status: 'SUCCESS', Reason: 'emptied full-bucket: 403 objects deleted', PhysicalResourceId: 'DataBucketEmptier-x', RequestId: 'r1' });
  expect(await store.list('')).toEqual([]);
}, 120_000);

test('a bucket that is already gone is not an error', async () => {
  await invoke('Delete', 'no-such-bucket');
  expect(responses.pop()).toMatchObject({ Status: 'SUCCESS', Reason: 'bucket already gone' });
});

test('declares the function, a role limited to the listed buckets, and one emptier per bucket', () => {
  const r = emptyBucketResources({ buckets: ['DataBucket'], name: 'svc-dev', logRetentionInDays: 14 });
  expect(r[EMPTIER_IDS.function].Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', Code: { ZipFile: EMPTIER_SOURCE } });
  expect(r.DataBucketEmptier).toEqual({ Type: 'Custom::MltrainEmptyBucket', Properties: { ServiceToken: { 'Fn::GetAtt': [EMPTIER_IDS.function, 'Arn'] }, Bucket: { Ref: 'DataBucket' } } });
  const statements = (r[EMPTIER_IDS.role].Properties as any).Policies[0].PolicyDocument.Statement;
  expect(statements.map((s: { Action: string[] }) => s.Action)).toEqual([['s3:ListBucket'], ['s3:DeleteObject'], ['logs:CreateLogStream', 'logs:PutLogEvents']]);
  expect(JSON.stringify(statements)).not.toContain('"*"');
  expect(emptyBucketResources({ buckets: [], name: 'x', logRetentionInDays: 1 })).toEqual({});
});
