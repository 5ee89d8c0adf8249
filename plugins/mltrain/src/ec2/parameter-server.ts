import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { PS_PROTO_SOURCE } from '../esbuild/copy-ps-proto';
import { BOOTSTRAP_PLACEHOLDERS, bootstrapScript } from './parameter-server-bootstrap';

// The hybrid parameter server's EC2 instance (custom.mltrain.parameterServer): Amazon Linux 2023,
// in private subnet A of the network module's VPC, behind MltrainDataSecurityGroup with one
// ingress rule admitting the gRPC port from MltrainFunctionSecurityGroup only. Its role reads the
// server bundle from the data bucket and writes its log group. The functions find it through
// MLTRAIN_PS_ENDPOINT (its private IP and port). `sls package` builds the bundle offline;
// `sls deploy` uploads it to the bucket, where the instance's boot waits for it.

export interface ParameterServerConfig {
  instanceType: string;
  port: number;
}

export const PS_DEFAULTS: ParameterServerConfig = { instanceType: 'c7g.large', port: 27000 };
export const PS_ENDPOINT_ENV = 'MLTRAIN_PS_ENDPOINT';
export const SERVER_ENTRY = path.resolve(__dirname, '..', '..', '..', '..', 'services', 'ps', 'server', 'main.ts');
const BUNDLE_DIR = 'parameter-server';

export const PS_LOGICAL_IDS = {
  instance: 'MltrainParameterServer',
  ingress: 'MltrainParameterServerIngress',
  role: 'MltrainParameterServerRole',
  profile: 'MltrainParameterServerInstanceProfile',
  logGroup: 'MltrainParameterServerLogGroup',
} as const;

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

export interface ServerBundle {
  /** Folder holding server.js and the .proto. */
  dir: string;
  /** mltrain/parameter-server/<sha>/ */
  prefix: string;
  files: Record<string, string>;
}

/** Graviton types (c7g, t4g, m8g, c6gn, ...) run the arm64 image; the others x86_64. */
export function amiArchitecture(instanceType: string): 'arm64' | 'x86_64' {
  return /^[a-z]+\d+g[a-z-]*\./.test(instanceType) ? 'arm64' : 'x86_64';
}

export function resolveConfig(raw: Partial<ParameterServerConfig> | undefined, vpc: boolean | undefined): ParameterServerConfig {
  const given = Object.fromEntries(Object.entries(raw ?? {}).filter(([, v]) => v !== undefined)) as Partial<ParameterServerConfig>;
  const config = { ...PS_DEFAULTS, ...given };
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(config.instanceType)) {
    throw new Error(`custom.mltrain.parameterServer.instanceType "${config.instanceType}" is not an EC2 instance type (e.g. c7g.large)`);
  }
  if (!Number.isInteger(config.port) || config.port < 1024 || config.port > 65535) {
    throw new Error(`custom.mltrain.parameterServer.port must be 1024..65535, got ${config.port}`);
  }
  if (vpc !== true) {
    throw new Error('custom.mltrain.parameterServer needs custom.mltrain.vpc: true (the functions reach the instance at its private address)');
  }
  return config;
}

/** The instance, its ingress rule, role, instance profile and log group. */
export function parameterServerResources(config: ParameterServerConfig, bundle: Pick<ServerBundle, 'prefix' | 'files'>, names: { service: string; stage: string }) {
  const ids = PS_LOGICAL_IDS;
  const script = bootstrapScript({ port: config.port, bundlePrefix: bundle.prefix, files: bundle.files });
  const name = `${names.service}-${names.stage}-parameter-server`;
  const resources: Resources = {
    [ids.logGroup]: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: `/mltrain/${name}`, RetentionInDays: 14 },
    },
    [ids.role]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [{
          PolicyName: 'parameter-server',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              // Only the server bundle: never the datasets or the runs' state.
              { Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': '${DataBucket.Arn}/mltrain/parameter-server/*' } },
              { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: { 'Fn::GetAtt': [ids.logGroup, 'Arn'] } },
            ],
          },
        }],
      },
    },
    [ids.profile]: {
      Type: 'AWS::IAM::InstanceProfile',
      Properties: { Roles: [{ Ref: ids.role }] },
    },
    [ids.ingress]: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: { Ref: 'MltrainDataSecurityGroup' },
        SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' },
        IpProtocol: 'tcp',
        FromPort: config.port,
        ToPort: config.port,
        Description: 'gRPC to the parameter server from the functions only',
      },
    },
    [ids.instance]: {
      Type: 'AWS::EC2::Instance',
      Properties: {
        ImageId: `{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${amiArchitecture(config.instanceType)}}}`,
        InstanceType: config.instanceType,
        SubnetId: { Ref: 'MltrainPrivateSubnetA' },
        SecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }],
        IamInstanceProfile: { Ref: ids.profile },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 16, VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
        UserData: { 'Fn::Base64': { 'Fn::Sub': [script, Object.fromEntries(BOOTSTRAP_PLACEHOLDERS.map((p) => [p, { Ref: p === 'LogGroup' ? ids.logGroup : p }]))] } },
        Tags: [{ Key: 'Name', Value: name }],
      },
      // The boot fetches the bundle from the bucket and ships logs: both must exist first.
      DependsOn: [ids.logGroup],
    },
  };
  const endpoint = { 'Fn::Join': [':', [{ 'Fn::GetAtt': [ids.instance, 'PrivateIp'] }, String(config.port)]] };
  const outputs = {
    ParameterServerEndpoint: { Description: 'host:port of the parameter server (functions get it as MLTRAIN_PS_ENDPOINT)', Value: endpoint },
    ParameterServerInstanceId: { Value: { Ref: ids.instance } },
  };
  return { resources, outputs, endpoint };
}

/** Gives every function of the template the server's address. */
export function addEndpointToFunctions(resources: Resources, endpoint: unknown): string[] {
  const named: string[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = (resource.Properties ??= {});
    const env = (props.Environment ??= {}) as { Variables?: Record<string, unknown> };
    (env.Variables ??= {})[PS_ENDPOINT_ENV] = endpoint;
    named.push(id);
  }
  return named;
}

/** Bundles the server (services/ps/server/main.ts) with its .proto into `packageDir/parameter-server/`. */
export async function buildServerBundle(packageDir: string): Promise<ServerBundle> {
  const dir = path.join(packageDir, BUNDLE_DIR);
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [SERVER_ENTRY], outfile: path.join(dir, 'server.js'), bundle: true, platform: 'node', target: 'node20', format: 'cjs',
    minify: false, sourcemap: false, logLevel: 'silent',
  });
  copyFileSync(PS_PROTO_SOURCE, path.join(dir, path.basename(PS_PROTO_SOURCE)));
  return describeBundle(dir);
}

export function describeBundle(dir: string): ServerBundle {
  const files: Record<string, string> = {};
  const whole = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    const bytes = readFileSync(path.join(dir, name));
    files[name] = createHash('sha256').update(bytes).digest('hex');
    whole.update(name).update(files[name]);
  }
  return { dir, prefix: `mltrain/parameter-server/${whole.digest('hex').slice(0, 16)}/`, files };
}

/** Puts the bundle's files in the bucket unless they are there already (an unchanged deploy). */
export async function uploadServerBundle(s3: S3Client, bucket: string, bundle: ServerBundle): Promise<number> {
  let uploaded = 0;
  for (const name of Object.keys(bundle.files)) {
    const key = `${bundle.prefix}${name}`;
    const exists = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(() => true, () => false);
    if (exists) continue;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(path.join(bundle.dir, name)) }));
    uploaded += 1;
  }
  return uploaded;
}

// --- wiring into the Serverless lifecycle -------------------------------------------------------

interface AwsProviderLike {
  getStage(): string;
  naming: { getStackName(): string };
  getAwsSdkV3Config(): Promise<Record<string, unknown>>;
}

export interface ServerlessForPs {
  serviceDir?: string;
  service: {
    service: string;
    custom?: { mltrain?: { vpc?: boolean; parameterServer?: Partial<ParameterServerConfig> } };
    provider: { compiledCloudFormationTemplate: { Resources: Resources; Outputs?: Record<string, unknown> } };
  };
  getProvider(name: 'aws'): AwsProviderLike;
}

interface Log {
  notice(msg: string): void;
  verbose(msg: string): void;
}

/** Hooks of the feature; none when the service declares no parameter server. */
export function parameterServerHooks(serverless: ServerlessForPs, log: Log): Record<string, () => Promise<void>> {
  if (!serverless.service.custom?.mltrain?.parameterServer) return {};
  // Serverless always works in <service>/.serverless and moves the result to --package at the end
  // (and back before a deploy of a --package folder), so the bundle goes there as well.
  const packageDir = () => path.join(serverless.serviceDir ?? '.', '.serverless');
  let bundle: ServerBundle | undefined;
  return {
    'package:compileEvents': async () => {
      const mltrain = serverless.service.custom!.mltrain!;
      const config = resolveConfig(mltrain.parameterServer, mltrain.vpc);
      bundle = await buildServerBundle(packageDir());
      const provider = serverless.getProvider('aws');
      const { resources, outputs, endpoint } = parameterServerResources(config, bundle, { service: serverless.service.service, stage: provider.getStage() });
      const template = serverless.service.provider.compiledCloudFormationTemplate;
      Object.assign(template.Resources, resources);
      template.Outputs = { ...template.Outputs, ...outputs };
      const functions = addEndpointToFunctions(template.Resources, endpoint);
      log.verbose(`mltrain: parameter server ${config.instanceType} on port ${config.port}, bundle ${bundle.prefix}, endpoint given to ${functions.join(', ')}`);
    },
    'after:deploy:deploy': async () => {
      const provider = serverless.getProvider('aws');
      bundle ??= describeBundle(path.join(packageDir(), BUNDLE_DIR));
      const bucket = await stackOutput(provider, 'DataBucketName');
      const uploaded = await uploadServerBundle(new S3Client(await provider.getAwsSdkV3Config()), bucket, bundle);
      log.notice(uploaded
        ? `mltrain: uploaded the parameter server bundle to s3://${bucket}/${bundle.prefix}; the instance starts it once fetched`
        : `mltrain: the parameter server bundle s3://${bucket}/${bundle.prefix} is already in place`);
    },
  };
}

interface CloudFormationModule {
  CloudFormationClient: new (config: object) => { send(command: object): Promise<{ Stacks?: { Outputs?: { OutputKey?: string; OutputValue?: string }[] }[] }> };
  DescribeStacksCommand: new (input: { StackName: string }) => object;
}

async function stackOutput(provider: AwsProviderLike, key: string): Promise<string> {
  // The CloudFormation client ships with the Serverless Framework, not with this repository.
  const serverlessDir = path.dirname(require.resolve('serverless/package.json'));
  const cfn = require(require.resolve('@aws-sdk/client-cloudformation', { paths: [serverlessDir] })) as CloudFormationModule;
  const client = new cfn.CloudFormationClient(await provider.getAwsSdkV3Config());
  const stackName = provider.naming.getStackName();
  const out = await client.send(new cfn.DescribeStacksCommand({ StackName: stackName }));
  const value = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
  if (!value) throw new Error(`stack ${stackName} has no output ${key}`);
  return value;
}
