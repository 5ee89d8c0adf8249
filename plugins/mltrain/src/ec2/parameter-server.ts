import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { ExtraArtifacts } from '../artifacts';
import type { CompiledTemplate } from './index';
import { PS_PROTO_SOURCE } from '../esbuild/copy-ps-proto';
import { bootstrapScript } from './parameter-server-bootstrap';

// The hybrid parameter server's EC2 instance (custom.mltrain.parameterServer): Amazon Linux 2023,
// in private subnet A of the network module's VPC, behind MltrainDataSecurityGroup with one
// ingress rule admitting the gRPC port from MltrainFunctionSecurityGroup only. Its role reads the
// server bundle from the deployment bucket and writes its log group. The functions find it through
// MLTRAIN_PS_ENDPOINT (its private IP and port). `sls package` builds the bundle offline (an extra
// artifact in the package folder); `sls deploy` uploads it before the stack update.

export interface ParameterServerConfig {
  instanceType: string;
  port: number;
}

export const PS_DEFAULTS: ParameterServerConfig = { instanceType: 'c7g.large', port: 27000 };
export const PS_ENDPOINT_ENV = 'MLTRAIN_PS_ENDPOINT';
export const SERVER_BUNDLE = 'parameter-server.js';
export const SERVER_ENTRY = path.resolve(__dirname, '..', '..', '..', '..', 'services', 'ps', 'server', 'main.ts');

export const PS_LOGICAL_IDS = {
  instance: 'MltrainParameterServer',
  ingress: 'MltrainParameterServerIngress',
  role: 'MltrainParameterServerRole',
  profile: 'MltrainParameterServerInstanceProfile',
  logGroup: 'MltrainParameterServerLogGroup',
} as const;

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>;

export interface ServerBundle {
  /** Folder holding parameter-server.js and the .proto. */
  dir: string;
  /** 16 hex digits of the SHA-256 over the files' names and digests. */
  hash: string;
  /** File name → SHA-256 (hex). */
  files: Record<string, string>;
}

/**
 * Where the bundle goes in the deployment bucket: beside this stage's deployment folders
 * (<prefix>/<service>/<stage>/parameter-server/<hash>/), so that `sls remove`, which empties
 * that prefix, removes it too, while the cleanup of old deployments (timestamped folders only)
 * leaves it alone.
 */
export function bundleKeyPrefix(artifactDirectoryName: string, hash: string): string {
  return `${path.posix.dirname(artifactDirectoryName)}/parameter-server/${hash}/`;
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
export function parameterServerResources(
  config: ParameterServerConfig, bundle: { keyPrefix: string; files: Record<string, string> }, names: { service: string; stage: string },
) {
  const ids = PS_LOGICAL_IDS;
  const script = bootstrapScript({ port: config.port, bundlePrefix: bundle.keyPrefix, files: bundle.files });
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
              // Only the server bundle: not the datasets, the runs' state or the functions' code.
              { Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ServerlessDeploymentBucket}/${bundle.keyPrefix}*` } },
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
        UserData: { 'Fn::Base64': { 'Fn::Sub': [script, { LogGroup: { Ref: ids.logGroup } }] } },
        Tags: [{ Key: 'Name', Value: name }],
      },
      // The boot ships its logs there.
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

/** Bundles the server (services/ps/server/main.ts) into `dir/parameter-server.js`, with its .proto beside it. */
export async function buildServerBundle(dir: string): Promise<ServerBundle> {
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: [SERVER_ENTRY], outfile: path.join(dir, SERVER_BUNDLE), bundle: true, platform: 'node', target: 'node20', format: 'cjs',
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
  return { dir, hash: whole.digest('hex').slice(0, 16), files };
}

/**
 * Adds the parameter server to the compiled template and registers its bundle as extra artifacts:
 * the plugin uploads them to the deployment bucket before the stack update, under keys that change
 * only with their content (so an unchanged server does not restart the instance).
 */
export async function addParameterServer(
  template: CompiledTemplate, mltrain: { vpc?: boolean; parameterServer?: Partial<ParameterServerConfig> },
  names: { service: string; stage: string; artifactDirectoryName: string }, artifacts: ExtraArtifacts,
): Promise<{ config: ParameterServerConfig; bundle: ServerBundle; keyPrefix: string; functions: string[] }> {
  const config = resolveConfig(mltrain.parameterServer, mltrain.vpc);
  const bundle = await buildServerBundle(mkdtempSync(path.join(os.tmpdir(), 'mltrain-ps-bundle-')));
  const keyPrefix = bundleKeyPrefix(names.artifactDirectoryName, bundle.hash);
  const { resources, outputs, endpoint } = parameterServerResources(config, { keyPrefix, files: bundle.files }, names);
  Object.assign(template.Resources, resources);
  template.Outputs = { ...template.Outputs, ...outputs };
  for (const name of Object.keys(bundle.files)) artifacts.add({ name, source: path.join(bundle.dir, name), key: `${keyPrefix}${name}` });
  return { config, bundle, keyPrefix, functions: addEndpointToFunctions(template.Resources as Resources, endpoint) };
}
