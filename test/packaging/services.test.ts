import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AdmZip from 'adm-zip';
import { ParameterServerClient } from '../../lib/ps/client';
import { LAMBDA_LIMITS } from '../../plugins/mltrain/src/layers/limits';
import { packageService } from './packaged';
import { expectWorkerFailuresMarkTheRun, invokeRunFailed, RUN_FAILED } from './run-failed';

// `serverless package` (osls) of every service, offline with no AWS credentials: the generated
// CloudFormation template is what `sls deploy` would create. One row per service (each packaged
// once, ~6 s); the checks every service gets run on every row, and a row's `extra` holds what is
// particular to it. Add a row when you add a service.


type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string | string[]; Metadata?: Record<string, unknown> };
export interface Packaged {
  dir: string;
  output: string;
  resources: Record<string, Resource>;
  template: { Resources: Record<string, Resource>; Parameters?: Record<string, any>; Outputs?: Record<string, any> };
  fn: (name: string) => Record<string, any>;
  zipEntries: (file: string) => string[];
}

interface FunctionRow {
  memory: number;
  timeout: number;
  /** Logical ids of the layers attached. */
  layers: string[];
  /** Environment variables it must have (subset). */
  env: Record<string, unknown>;
}

interface ServiceRow {
  /** Folder under services/. */
  service: string;
  functions: Record<string, FunctionRow>;
  /** The functions' IAM statements besides osls's own logging ones: [actions, resource]. */
  iam: [string[], unknown][];
  /** Buckets the service declares: public access blocked, emptied on `sls remove`. */
  buckets: string[];
  /** Functions in the mltrain VPC (custom.mltrain.vpc). */
  vpc: boolean;
  /** More arguments for `sls package` (e.g. --param). */
  args?: string[];
  extra?: (p: Packaged) => void | Promise<void>;
}

const PS_ENDPOINT = { 'Fn::Join': [':', [{ 'Fn::GetAtt': ['MltrainParameterServer', 'PrivateIp'] }, '27000']] };
const PS_BUNDLE = ['parameter-server.js', 'parameter-server.proto'];
const bucketObjects = (bucket: string) => ({ 'Fn::Sub': `\${${bucket}.Arn}/*` });
const bucketArn = (bucket: string) => ({ 'Fn::GetAtt': [bucket, 'Arn'] });
const SERVICES: ServiceRow[] = [
  {
    service: 'allreduce',
    functions: {
      trigger: { memory: 512, timeout: 60, layers: [], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-allreduce-dev-worker' } },
      worker: { memory: 1769, timeout: 900, layers: ['TfjsLambdaLayer', 'NativeLambdaLayer'], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-allreduce-dev-worker' } },
      runFailed: RUN_FAILED,
    },
    iam: [
      [['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], bucketObjects('DataBucket')],
      [['s3:ListBucket'], bucketArn('DataBucket')],
      invokeRunFailed('allreduce'),
      [['lambda:InvokeFunction'], { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:mltrain-allreduce-dev-worker' }],
    ],
    buckets: ['DataBucket'],
    vpc: false,
    extra: ({ resources }) => expectWorkerFailuresMarkTheRun(resources),
  },
  {
    service: 'scatter-reduce',
    functions: {
      trigger: { memory: 512, timeout: 60, layers: [], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-scatter-reduce-dev-worker', MLTRAIN_CHANNEL: 's3' } },
      worker: { memory: 1769, timeout: 900, layers: ['TfjsLambdaLayer', 'NativeLambdaLayer'], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-scatter-reduce-dev-worker', MLTRAIN_CHANNEL: 's3' } },
      runFailed: RUN_FAILED,
    },
    iam: [
      [['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], bucketObjects('DataBucket')],
      [['s3:ListBucket'], bucketArn('DataBucket')],
      invokeRunFailed('scatter-reduce'),
      [['lambda:InvokeFunction'], { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:mltrain-scatter-reduce-dev-worker' }],
    ],
    buckets: ['DataBucket'],
    vpc: false,
    // The other channels (--param channel=...): test/packaging/scatter-reduce-package.test.ts.
    extra: ({ resources }) => {
      expectWorkerFailuresMarkTheRun(resources);
      expect(Object.keys(resources).filter((id) => id.startsWith('Channel'))).toEqual([]);
    },
  },
  {
    service: 'gpu',
    functions: {
      trigger: { memory: 512, timeout: 60, layers: [], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_GPU_INSTANCE_ID: { Ref: 'MltrainGpuInstance' } } },
    },
    iam: [
      [['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], bucketObjects('DataBucket')], // serverless.base.yml's, shared by every service
      [['s3:ListBucket'], bucketArn('DataBucket')],
      [['ec2:StartInstances'], { 'Fn::Sub': 'arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:instance/${MltrainGpuInstance}' }],
    ],
    buckets: ['DataBucket'],
    vpc: false,
    extra: checkGpuService,
  },
  {
    service: 'ps',
    functions: {
      trigger: { memory: 512, timeout: 60, layers: [], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-ps-dev-worker', MLTRAIN_PS_ENDPOINT: PS_ENDPOINT } },
      worker: { memory: 1769, timeout: 900, layers: ['TfjsLambdaLayer', 'NativeLambdaLayer'], env: { MLTRAIN_BUCKET: { Ref: 'DataBucket' }, MLTRAIN_WORKER_FUNCTION: 'mltrain-ps-dev-worker', MLTRAIN_PS_ENDPOINT: PS_ENDPOINT } },
      runFailed: RUN_FAILED,
    },
    iam: [
      [['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], bucketObjects('DataBucket')],
      [['s3:ListBucket'], bucketArn('DataBucket')],
      invokeRunFailed('ps'),
      [['lambda:InvokeFunction'], { 'Fn::Sub': 'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:mltrain-ps-dev-worker' }],
    ],
    buckets: ['DataBucket'],
    vpc: true,
    args: ['--param', 'psInstanceType=t4g.small'],
    extra: checkPsService,
  },
];

function checkGpuService({ resources, template, dir, output, zipEntries }: Packaged): void {
  const instance = resources.MltrainGpuInstance;
  expect(instance.Properties).toMatchObject({
    InstanceType: 'g4dn.xlarge', InstanceInitiatedShutdownBehavior: 'stop', ImageId: { Ref: 'MltrainGpuAmiId' },
    IamInstanceProfile: { Ref: 'MltrainGpuInstanceProfile' }, SecurityGroupIds: [{ Ref: 'MltrainGpuSecurityGroup' }], SubnetId: { Ref: 'MltrainPublicSubnet' },
  });
  expect(template.Parameters!.MltrainGpuAmiId.Default).toMatch(/^\/aws\/service\/deeplearning\/ami\/x86_64\/.*\/latest\/ami-id$/);
  expect(resources.MltrainGpuInstanceProfile).toMatchObject({ Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'MltrainGpuInstanceRole' }] } });
  expect(resources.MltrainGpuSecurityGroup.Properties.SecurityGroupIngress).toBeUndefined();
  // Stop when done: the every-boot runner powers off; removed before its bucket is emptied.
  const body = instance.Properties.UserData['Fn::Base64']['Fn::Join'][1][1] as string;
  expect(body).toContain('shutdown -h now');
  expect(body).toContain('gpu-job.js" --queue');
  expect([instance.DependsOn].flat()).toContain('DataBucketEmptier');
  const profileActions = resources.MltrainGpuInstanceRole.Properties.Policies[0].PolicyDocument.Statement.flatMap((s: { Action: string[] }) => s.Action);
  expect(profileActions.sort()).toEqual(['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 's3:DeleteObject', 's3:GetObject', 's3:GetObject', 's3:ListBucket', 's3:PutObject', 'ssm:GetParameter']);
  // The trainer bundle: the job runner beside its own tfjs, uploaded with the function artifacts.
  expect(existsSync(path.join(dir, 'gpu-trainer.zip'))).toBe(true);
  expect(zipEntries('gpu-trainer.zip')).toEqual(expect.arrayContaining(['gpu-job.js', 'package.json', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm']));
  expect(output).toMatch(/GPU trainer bundle: [\d.]+ MB zipped, \d+ files; instance g4dn\.xlarge/);
  expect(template.Outputs).toHaveProperty('GpuInstanceId');
}

/** services/ps: the parameter server's instance, its one ingress rule, role, boot script and bundle. */
async function checkPsService({ resources, template, dir, zipEntries }: Packaged): Promise<void> {
  const instance = resources.MltrainParameterServer.Properties;
  expectWorkerFailuresMarkTheRun(resources);
  expect(template.Outputs!.ParameterServerEndpoint.Value).toEqual(PS_ENDPOINT);
  // Amazon Linux 2023 for the type given with --param psInstanceType, private subnet, no public address.
  expect(instance).toMatchObject({
    InstanceType: 't4g.small', ImageId: '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}',
    SubnetId: { Ref: 'MltrainPrivateSubnetA' }, SecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }], IamInstanceProfile: { Ref: 'MltrainParameterServerInstanceProfile' },
  });
  expect(instance).not.toHaveProperty('NetworkInterfaces');
  expect(instance.BlockDeviceMappings[0].Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3' });
  // The gRPC port admits the functions' security group only; no rule anywhere is open to the internet.
  const ingress = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::SecurityGroupIngress').map((r) => r.Properties);
  expect(ingress).toEqual([expect.objectContaining({
    GroupId: { Ref: 'MltrainDataSecurityGroup' }, SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' }, IpProtocol: 'tcp', FromPort: 27000, ToPort: 27000,
  })]);
  const dataGroup = resources.MltrainDataSecurityGroup.Properties;
  expect(dataGroup.SecurityGroupIngress).toBeUndefined();
  const inline = Object.values(resources).flatMap((r) => (r.Type === 'AWS::EC2::SecurityGroup' ? r.Properties.SecurityGroupIngress ?? [] : []));
  expect([...inline, ...ingress].filter((rule) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0')).toEqual([]);
  // The workers invoke Lambda and the instance ships its logs, both from private subnets.
  const interfaces = Object.values(resources).filter((r) => r.Type === 'AWS::EC2::VPCEndpoint' && r.Properties.VpcEndpointType === 'Interface');
  expect(interfaces.map((r) => r.Properties.ServiceName['Fn::Sub']).sort()).toEqual(['com.amazonaws.${AWS::Region}.lambda', 'com.amazonaws.${AWS::Region}.logs']);
  // The role reads the current bundle from the deployment bucket and writes its own log group: nothing else.
  const bundleFolder = /^serverless\/mltrain-ps\/dev\/parameter-server\/[0-9a-f]{16}\/$/;
  const role = resources.MltrainParameterServerRole.Properties;
  expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  const [readBundle, writeLogs, ...others] = role.Policies[0].PolicyDocument.Statement;
  expect(others).toEqual([]);
  expect(readBundle.Action).toEqual(['s3:GetObject']);
  const bucketPrefix = 'arn:${AWS::Partition}:s3:::${ServerlessDeploymentBucket}/';
  expect(readBundle.Resource['Fn::Sub'].startsWith(bucketPrefix)).toBe(true);
  const folder = readBundle.Resource['Fn::Sub'].slice(bucketPrefix.length, -1);
  expect(folder).toMatch(bundleFolder); // beside the stage's deployments: sls remove empties it, deployment cleanup leaves it
  expect(writeLogs).toEqual({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: { 'Fn::GetAtt': ['MltrainParameterServerLogGroup', 'Arn'] } });
  expect(resources.MltrainParameterServerLogGroup.Properties).toEqual({ LogGroupName: '/mltrain/mltrain-ps-dev-parameter-server', RetentionInDays: 14 });
  // The boot script installs Node 22 and runs the packaged bundle, named with each file's digest.
  const script = instance.UserData['Fn::Base64']['Fn::Sub'][0] as string;
  expect(script).toContain('dnf install -y nodejs22');
  expect(script).toContain('ExecStart=/usr/bin/node-22 /opt/mltrain-ps/parameter-server.js --host 0.0.0.0 --port 27000');
  expect(script).toContain(`# mltrain-ps-bundle: s3://\${ServerlessDeploymentBucket}/${folder}\n`);
  for (const name of PS_BUNDLE) {
    const sha = createHash('sha256').update(readFileSync(path.join(dir, name))).digest('hex');
    expect(script).toContain(`# mltrain-ps-file: ${name} ${sha}\n`);
  }
  expect(zipEntries('mltrain-ps.zip')).toContain('handlers/parameter-server.proto'); // loaded at run time by the client
  // The bundle runs on its own, without node_modules, and answers Ping.
  const alone = mkdtempSync(path.join(os.tmpdir(), 'ps-bundle-'));
  for (const name of PS_BUNDLE) copyFileSync(path.join(dir, name), path.join(alone, name));
  const server = spawn(process.execPath, [path.join(alone, 'parameter-server.js'), '--host', '127.0.0.1', '--port', '0'], { cwd: alone, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on (\S+)/.exec(out);
        if (match) resolve(match[1]);
      });
      server.once('exit', (code) => reject(new Error(`the bundled server exited with ${code}: ${out}`)));
    });
    const client = new ParameterServerClient({ endpoint: address });
    try {
      expect(await client.ping()).toMatchObject({ server: 'mltrain-parameter-server', pid: server.pid });
    } finally {
      client.close();
    }
  } finally {
    server.kill('SIGKILL');
    rmSync(alone, { recursive: true, force: true });
  }
}

describe.each(SERVICES)('services/$service', (row) => {
  const p = {} as Packaged;
  beforeAll(async () => {
    // Shared with the other packaging tests (packaged.ts): the template-integrity test checks these same templates.
    const packaged = await packageService(row.service, (row.args ?? []).filter((a) => a !== '--param'));
    Object.assign(p, packaged);
    p.resources = p.template.Resources;
    p.fn = (name) => p.resources[`${name[0].toUpperCase()}${name.slice(1)}LambdaFunction`].Properties;
    p.zipEntries = (file) => new AdmZip(path.join(p.dir, file)).getEntries().map((e) => e.entryName);
  }, 600_000);

  test('functions: nodejs22.x on arm64, memory, timeout, layers, VPC and environment as declared', () => {
    const declared = Object.keys(p.resources).filter((id) => p.resources[id].Type === 'AWS::Lambda::Function' && id.endsWith('LambdaFunction'));
    expect(declared.sort()).toEqual(Object.keys(row.functions).map((f) => `${f[0].toUpperCase()}${f.slice(1)}LambdaFunction`).sort());
    for (const [name, want] of Object.entries(row.functions)) {
      const fn = p.fn(name);
      expect({ name, runtime: fn.Runtime, arch: fn.Architectures, memory: fn.MemorySize, timeout: fn.Timeout, layers: fn.Layers ?? [], vpc: Boolean(fn.VpcConfig) })
        .toEqual({ name, runtime: 'nodejs22.x', arch: ['arm64'], memory: want.memory, timeout: want.timeout, layers: want.layers.map((id) => ({ Ref: id })), vpc: row.vpc });
      expect(fn.FunctionName).toBe(`mltrain-${row.service}-dev-${name}`);
      expect(fn.Environment.Variables).toMatchObject({ ...want.env, MLTRAIN_STAGE: 'dev' });
      expect(JSON.stringify(fn.Environment.Variables)).not.toMatch(/SECRET|PASSWORD|KEY_ID/i);
      expect(p.resources[`${name[0].toUpperCase()}${name.slice(1)}LogGroup`].Properties.RetentionInDays).toBe(14);
    }
  });

  test('IAM: only the declared actions, each on its own resources, never "*"', () => {
    const statements = p.resources.IamRoleLambdaExecution.Properties.Policies[0].PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[];
    const own = statements.map((s) => ({ ...s, Action: [s.Action].flat() })).filter((s) => !s.Action.every((a) => a.startsWith('logs:')));
    expect(own.map((s) => [s.Action, s.Resource])).toEqual(row.iam);
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  test('buckets: public access blocked, emptied by a custom resource when the stack is removed', () => {
    for (const bucket of row.buckets) {
      expect(p.resources[bucket].Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(p.resources[`${bucket}Emptier`]).toMatchObject({ Type: 'Custom::MltrainEmptyBucket', Properties: { Bucket: { Ref: bucket } } });
    }
    const kinds = Object.values(p.resources).map((r) => r.Type);
    expect(kinds).not.toContain('AWS::EC2::NatGateway'); // about $33 a month idle
    expect(kinds).not.toContain('AWS::EC2::EIP');
  });

  test('the function zip holds the bundled handlers, without the AWS SDK or TensorFlow.js', () => {
    const zip = `mltrain-${row.service}.zip`;
    const entries = p.zipEntries(zip);
    for (const name of Object.keys(row.functions)) expect(entries).toContain(`${String(p.fn(name).Handler).replace(/\.[^.]+$/, '')}.js`);
    expect(entries.filter((e) => /node_modules\/@aws-sdk|@tensorflow|\.wasm$/.test(e))).toEqual([]);
  });

  test('layers: built offline, within Lambda\'s limits, holding tfjs and its .wasm files or the native engine, their sizes printed', () => {
    const layerIds = [...new Set(Object.values(row.functions).flatMap((f) => f.layers))];
    for (const id of layerIds) {
      const layer = p.resources[id];
      expect(layer.Type).toBe('AWS::Lambda::LayerVersion');
      expect(layer.Properties).toMatchObject({ CompatibleArchitectures: ['arm64'], CompatibleRuntimes: ['nodejs22.x'], Content: { S3Bucket: { Ref: 'ServerlessDeploymentBucket' } } });
      const file = layer.Metadata!['mltrain:artifact'] as string;
      const zip = new AdmZip(path.join(p.dir, file));
      const unzipped = zip.getEntries().reduce((s, e) => s + e.header.size, 0);
      expect(readFileSync(path.join(p.dir, file)).length).toBeLessThan(LAMBDA_LIMITS.zippedDirectUploadBytes);
      expect(unzipped).toBeLessThan(LAMBDA_LIMITS.unzippedFunctionAndLayersBytes);
      expect(zip.getEntries().map((e) => e.entryName)).toEqual(expect.arrayContaining(id === 'NativeLambdaLayer'
        ? ['native/mltrain_native.node', 'lib/libdnnl.so.2', 'lib/libopenblas.so.0', 'lib/libgfortran.so.5', 'lib/libgomp.so.1']
        : ['nodejs/node_modules/@tensorflow/tfjs/dist/tf.node.js', 'nodejs/node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm']));
      expect(p.output).toMatch(new RegExp(`layer ${layer.Properties.LayerName.split('-').pop()}: [\\d.]+ [KM]B zipped, [\\d.]+ [KM]B unzipped`));
    }
    // Every artifact the template refers to is there to be uploaded.
    for (const r of Object.values(p.resources)) {
      const file = r.Metadata?.['mltrain:artifact'];
      if (file) expect(existsSync(path.join(p.dir, String(file)))).toBe(true);
    }
  });

  if (row.extra) test('what is particular to this service', async () => { await row.extra!(p); });
});
