import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { ParameterServerClient } from '../../lib/ps/client';

// `serverless package` of services/ps, offline and without credentials: the functions, the
// parameter server's instance, its security-group rule, role and logs, and the server bundle the
// instance will fetch, which must run on its own.

const ROOT = path.join(__dirname, '..', '..');
const SERVICE = path.join(ROOT, 'services', 'ps');
let outDir: string;
let resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string[] }>;
let outputs: Record<string, any>;

beforeAll(() => {
  outDir = mkdtempSync(path.join(os.tmpdir(), 'ps-package-'));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile' };
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'serverless'),
    ['package', '--stage', 'dev', '--package', outDir, '--param', 'psInstanceType=t4g.small'], { cwd: SERVICE, env, stdio: 'pipe' });
  const template = JSON.parse(readFileSync(path.join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'));
  resources = template.Resources;
  outputs = template.Outputs;
}, 180_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const BUNDLE = ['parameter-server.js', 'parameter-server.proto'];
const fn = (name: string) => resources[`${name}LambdaFunction`].Properties;
const instance = () => resources.MltrainParameterServer.Properties;
const userData = (): string => instance().UserData['Fn::Base64']['Fn::Sub'][0];

test('declares trigger and worker with the bucket, the worker name and the server\'s private address, and no secrets', () => {
  const endpoint = { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['MltrainParameterServer', 'PrivateIp'] }, '27000']] };
  for (const name of ['Trigger', 'Worker']) {
    expect(fn(name).Runtime).toBe('nodejs22.x');
    expect(fn(name).Architectures).toEqual(['arm64']);
    const vars = fn(name).Environment.Variables;
    expect(vars).toMatchObject({ MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-ps-dev-worker', MLTRAIN_PS_ENDPOINT: endpoint });
    expect(JSON.stringify(vars)).not.toMatch(/SECRET|PASSWORD|TOKEN|KEY_ID/i);
  }
  expect(resources.WorkerLambdaEvConf.Properties.MaximumRetryAttempts).toBe(0);
  expect(outputs.ParameterServerEndpoint.Value).toEqual(endpoint);
});

test('runs the server on Amazon Linux 2023 of the instance type given as a parameter, in a private subnet, with no public address', () => {
  expect(instance().InstanceType).toBe('t4g.small'); // --param psInstanceType=t4g.small
  expect(instance().ImageId).toBe('{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}');
  expect(instance().SubnetId).toEqual({ Ref: 'MltrainPrivateSubnetA' });
  expect(instance().SecurityGroupIds).toEqual([{ Ref: 'MltrainDataSecurityGroup' }]);
  expect(instance()).not.toHaveProperty('NetworkInterfaces');
  expect(instance().BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
});

test('admits the gRPC port only from the functions\' security group', () => {
  const ingress = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress');
  expect(ingress).toEqual([{
    Type: 'AWS::EC2::SecurityGroupIngress',
    Properties: expect.objectContaining({
      GroupId: { Ref: 'MltrainDataSecurityGroup' }, SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' },
      IpProtocol: 'tcp', FromPort: 27000, ToPort: 27000,
    }),
  }]);
  expect(JSON.stringify(resources)).not.toContain('0.0.0.0/0');
});

test('lets the instance read only the server bundle from the deployment bucket and write only its own log group', () => {
  const role = resources.MltrainParameterServerRole.Properties;
  expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  const statements = role.Policies[0].PolicyDocument.Statement;
  expect(statements).toEqual([
    { Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${ServerlessDeploymentBucket}/mltrain/parameter-server/*' } },
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: { 'Fn::GetAtt': ['MltrainParameterServerLogGroup', 'Arn'] } },
  ]);
  expect(resources.MltrainParameterServerInstanceProfile.Properties.Roles).toEqual([{ Ref: 'MltrainParameterServerRole' }]);
  expect(instance().IamInstanceProfile).toEqual({ Ref: 'MltrainParameterServerInstanceProfile' });
  expect(resources.MltrainParameterServerLogGroup.Properties).toEqual({ LogGroupName: '/mltrain/mltrain-ps-dev-parameter-server', RetentionInDays: 14 });
});

test('boots with Node 22 and the packaged bundle, named by the digest of each of its files', () => {
  const script = userData();
  expect(script).toContain('dnf install -y nodejs22');
  expect(script).toContain('ExecStart=/usr/bin/node-22 /opt/mltrain-ps/parameter-server.js --host 0.0.0.0 --port 27000');
  // The bundle travels with the package (an extra artifact sls deploy uploads before the stack update).
  for (const name of BUNDLE) {
    const sha = createHash('sha256').update(readFileSync(path.join(outDir, name))).digest('hex');
    expect(script).toContain(`# mltrain-ps-file: ${name} ${sha}\n`);
  }
  expect(script).toMatch(/^# mltrain-ps-bundle: s3:\/\/\$\{ServerlessDeploymentBucket\}\/mltrain\/parameter-server\/[0-9a-f]{16}\/$/m);
});

test('the bundle runs on its own (no node_modules) and answers Ping', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ps-bundle-'));
  for (const name of BUNDLE) cpSync(path.join(outDir, name), path.join(dir, name));
  const server = spawn(process.execPath, [path.join(dir, 'parameter-server.js'), '--host', '127.0.0.1', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (\S+)/.exec(out);
        if (match) resolve(match[1]);
      });
      server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    });
    const client = new ParameterServerClient({ endpoint: address });
    try {
      expect(await client.ping()).toMatchObject({ server: 'mltrain-parameter-server', pid: server.pid });
    } finally {
      client.close();
    }
  } finally {
    server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

test('ships the .proto beside the bundled handlers', () => {
  const entries = new AdmZip(path.join(outDir, 'mltrain-ps.zip')).getEntries().map((e) => e.entryName);
  expect(entries).toEqual(expect.arrayContaining(['handlers/worker.js', 'handlers/trigger.js', 'handlers/parameter-server.proto', 'handlers/tfjs-backend-wasm-simd.wasm']));
});

// The network module (plugins/mltrain/src/network/, another engineer's) puts the functions in the
// VPC when custom.mltrain.vpc is true; until it is merged there is nothing to check.
const networkMerged = existsSync(path.join(ROOT, 'plugins', 'mltrain', 'src', 'network'));
(networkMerged ? test : test.skip)('puts the functions in the VPC with the functions\' security group', () => {
  for (const name of ['Trigger', 'Worker']) {
    expect(fn(name).VpcConfig.SecurityGroupIds).toContainEqual({ Ref: 'MltrainFunctionSecurityGroup' });
    expect(fn(name).VpcConfig.SubnetIds).toEqual(expect.arrayContaining([{ Ref: 'MltrainPrivateSubnetA' }, { Ref: 'MltrainPrivateSubnetB' }]));
  }
  for (const id of ['MltrainVpc', 'MltrainPrivateSubnetA', 'MltrainDataSecurityGroup', 'MltrainFunctionSecurityGroup']) expect(resources).toHaveProperty(id);
});
