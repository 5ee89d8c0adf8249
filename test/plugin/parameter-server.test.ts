import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { startS3 } from '../../lib/local/servers';
import { createLocalS3Client } from '../../lib/stores/s3-client';
import { ExtraArtifacts } from '../../plugins/mltrain/src/artifacts';
import { BOOTSTRAP_PLACEHOLDERS, bootstrapScript } from '../../plugins/mltrain/src/ec2/parameter-server-bootstrap';
import { addEndpointToFunctions, addParameterServer, amiArchitecture, parameterServerResources, resolveConfig } from '../../plugins/mltrain/src/ec2/parameter-server';

// The plugin's parameter-server feature on its own: configuration checks, the image architecture,
// the environment given to the functions, and a boot script that bash accepts.

test('picks the arm64 image for Graviton types and x86_64 for the others', () => {
  for (const type of ['c7g.large', 't4g.small', 'm8g.xlarge', 'c6gn.medium', 'r7gd.large']) expect(amiArchitecture(type)).toBe('arm64');
  for (const type of ['c7i.large', 't3.micro', 'm5.large', 'c6a.xlarge', 'g4dn.xlarge']) expect(amiArchitecture(type)).toBe('x86_64');
});

test('checks its configuration and names what is wrong', () => {
  expect(resolveConfig(undefined, true)).toEqual({ instanceType: 'c7g.large', port: 27000 });
  expect(resolveConfig({ instanceType: 'c7i.xlarge', port: 9000 }, true)).toEqual({ instanceType: 'c7i.xlarge', port: 9000 });
  expect(() => resolveConfig({ instanceType: 'huge' }, true)).toThrow(/instanceType "huge" is not an EC2 instance type/);
  expect(() => resolveConfig({ port: 80 }, true)).toThrow(/port must be 1024..65535, got 80/);
  expect(() => resolveConfig({}, undefined)).toThrow(/needs custom.mltrain.vpc: true/);
});

test('gives every function, and only functions, the endpoint', () => {
  const resources: Record<string, { Type: string; Properties?: Record<string, any> }> = {
    A: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: { KEEP: '1' } } } },
    B: { Type: 'AWS::Lambda::Function', Properties: {} },
    C: { Type: 'AWS::S3::Bucket' },
  };
  expect(addEndpointToFunctions(resources, 'ENDPOINT')).toEqual(['A', 'B']);
  expect(resources.A.Properties!.Environment.Variables).toEqual({ KEEP: '1', MLTRAIN_PS_ENDPOINT: 'ENDPOINT' });
  expect(resources.B.Properties!.Environment.Variables).toEqual({ MLTRAIN_PS_ENDPOINT: 'ENDPOINT' });
  expect(resources.C).not.toHaveProperty('Properties');
});

test('the boot script uses only the placeholders CloudFormation fills in, and is valid bash', () => {
  const files = { 'parameter-server.js': 'b'.repeat(64), 'parameter-server.proto': 'a'.repeat(64) };
  const { resources } = parameterServerResources({ instanceType: 'c7g.large', port: 27001 }, { keyPrefix: 'serverless/svc/dev/parameter-server/0123456789abcdef/', files }, { service: 'svc', stage: 'dev' });
  const [script, vars] = (resources.MltrainParameterServer.Properties as any).UserData['Fn::Base64']['Fn::Sub'];
  expect(script).toBe(bootstrapScript({ port: 27001, bundlePrefix: 'serverless/svc/dev/parameter-server/0123456789abcdef/', files }));
  const placeholders = [...new Set([...script.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]))].sort();
  expect(placeholders).toEqual([...BOOTSTRAP_PLACEHOLDERS].sort());
  expect(vars).toEqual({ LogGroup: { Ref: 'MltrainParameterServerLogGroup' } }); // ServerlessDeploymentBucket is a resource

  expect(script).toContain('--port 27001');
  expect(script).toContain('systemctl start --no-block mltrain-ps.service');

  // What the instance receives, with the placeholders filled in as CloudFormation would.
  const filled = script.replace('${ServerlessDeploymentBucket}', 'my-deployment-bucket').replace('${LogGroup}', '/mltrain/svc-dev-parameter-server');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ps-boot-'));
  try {
    writeFileSync(path.join(dir, 'boot.sh'), filled);
    execFileSync('bash', ['-n', path.join(dir, 'boot.sh')]);
    // The fetch script inside it, too: extract the heredoc and check it on its own.
    const fetch = /<<'FETCH'\n([\s\S]*?)\nFETCH\n/.exec(filled)![1];
    writeFileSync(path.join(dir, 'fetch.sh'), fetch);
    execFileSync('bash', ['-n', path.join(dir, 'fetch.sh')]);
    expect(fetch).toContain('sha256sum --check');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registers the bundle as artifacts uploaded under content-addressed keys, with the digests the boot script checks', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ps-artifacts-'));
  const s3 = await startS3({ directory: path.join(dir, 's3'), buckets: ['deployment-bucket'] });
  try {
    const template = { Resources: { WorkerLambdaFunction: { Type: 'AWS::Lambda::Function', Properties: {} } } as Record<string, unknown> };
    const artifacts = new ExtraArtifacts();
    const artifactDirectoryName = 'serverless/svc/dev/1700000000000-2023-11-14T22:13:20.000Z';
    const { bundle, keyPrefix, functions } = await addParameterServer(
      template, { vpc: true, parameterServer: { instanceType: 't4g.small' } }, { service: 'svc', stage: 'dev', artifactDirectoryName }, artifacts);
    expect(functions).toEqual(['WorkerLambdaFunction']);
    // Beside the deployment folders (sls remove empties serverless/svc/dev/), outside any timestamped one.
    expect(keyPrefix).toBe(`serverless/svc/dev/parameter-server/${bundle.hash}/`);
    expect(artifacts.list.map((a) => [a.name, a.key])).toEqual([
      ['parameter-server.js', `${keyPrefix}parameter-server.js`],
      ['parameter-server.proto', `${keyPrefix}parameter-server.proto`],
    ]);
    const role = (template.Resources.MltrainParameterServerRole as any).Properties.Policies[0].PolicyDocument.Statement[0];
    expect(role.Resource).toEqual({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ServerlessDeploymentBucket}/${keyPrefix}*` });
    // What sls package and sls deploy do with them: copy into the package folder, upload from there.
    const packageDir = path.join(dir, 'package');
    artifacts.copyInto(packageDir);
    await artifacts.upload(packageDir, {
      bucket: 'deployment-bucket', artifactDirectoryName,
      sdkConfig: { region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, requestChecksumCalculation: 'WHEN_REQUIRED' },
    });
    const client = createLocalS3Client(s3.endpoint);
    for (const [name, sha] of Object.entries(bundle.files)) {
      const object = await client.send(new GetObjectCommand({ Bucket: 'deployment-bucket', Key: `${keyPrefix}${name}` }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
    }
  } finally {
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
