import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NETWORK_IDS } from '../network';
import type { CfnResources } from '../network/types';
import { BILLED_WHILE_RUNNING } from '../billing/billables';

// The GPU baseline's instance (docs/frameworks/gpu.md): a GPU instance from the Deep Learning AMI (its id
// resolved by CloudFormation from an SSM public parameter), in the public subnet with a security
// group that admits nothing, an instance profile limited to the data bucket, the trainer bundle
// and its log group, and a bootstrap (gpu/bootstrap/) that installs Node, runs the queued jobs at
// every boot, ships the logs to CloudWatch and powers off; InstanceInitiatedShutdownBehavior is
// stop, so it stops and the GPU bill with it. The user data never changes between deploys (the
// bundle's location is in an SSM parameter), so a deploy does not restart the instance.

export const GPU_IDS = {
  instance: 'MltrainGpuInstance',
  role: 'MltrainGpuInstanceRole',
  profile: 'MltrainGpuInstanceProfile',
  securityGroup: 'MltrainGpuSecurityGroup',
  launchTemplate: 'MltrainGpuLaunchTemplate',
  logGroup: 'MltrainGpuLogGroup',
  bundleParameter: 'MltrainGpuTrainerBundleParameter',
  amiParameter: 'MltrainGpuAmiId',
} as const;

export const DEFAULT_AMI_PARAMETER = '/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-amazon-linux-2023/latest/ami-id';
export const GPU_TRAINER_ARTIFACT = 'gpu-trainer.zip';
const BOOTSTRAP_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'gpu', 'bootstrap');

export interface GpuInstanceConfig {
  instanceType: string;
  /** Logical id of the data bucket. */
  bucket: string;
  amiParameter?: string;
  availabilityZoneIndex?: number;
  rootVolumeGb?: number;
  maxHours?: number;
}

export interface GpuInstanceContext {
  service: string;
  stage: string;
  logRetentionInDays: number;
  /** provider.deploymentBucket's name when set, else the stack's ServerlessDeploymentBucket. */
  deploymentBucket?: string;
  artifactDirectoryName: string;
  /** The native package the bootstrap tries to add (pinned to the installed tfjs version). */
  nativePackage: string;
}

export interface GpuInstanceTemplate {
  resources: CfnResources;
  parameters: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

export function gpuInstanceTemplate(cfg: GpuInstanceConfig, ctx: GpuInstanceContext): GpuInstanceTemplate {
  const name = `${ctx.service}-${ctx.stage}`;
  const bundleParameterName = `/mltrain/${ctx.service}/${ctx.stage}/gpu-trainer-bundle`;
  const deploymentBucket = ctx.deploymentBucket ?? { Ref: 'ServerlessDeploymentBucket' };
  const id = GPU_IDS;
  const resources: CfnResources = {
    [id.logGroup]: {
      Type: 'AWS::Logs::LogGroup',
      Properties: { LogGroupName: `/mltrain/${name}/gpu-trainer`, RetentionInDays: ctx.logRetentionInDays },
    },
    [id.bundleParameter]: {
      Type: 'AWS::SSM::Parameter',
      // Where this deploy put the trainer bundle; the instance reads it at every boot.
      Metadata: { 'mltrain:artifact': GPU_TRAINER_ARTIFACT },
      Properties: {
        Name: bundleParameterName, Type: 'String', Description: `S3 URI of the ${name} GPU trainer bundle`,
        Value: { 'Fn::Sub': [`s3://\${Bucket}/${ctx.artifactDirectoryName}/${GPU_TRAINER_ARTIFACT}`, { Bucket: deploymentBucket }] },
      },
    },
    [id.role]: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [{ PolicyName: 'gpu-trainer', PolicyDocument: { Version: '2012-10-17', Statement: instanceStatements(cfg, ctx, bundleParameterName, deploymentBucket) } }],
        Tags: [{ Key: 'Name', Value: `${name}-gpu` }],
      },
    },
    [id.profile]: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: id.role }] } },
    [id.securityGroup]: {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: {
        GroupDescription: `${name} GPU instance: no inbound traffic; outbound HTTPS/HTTP for packages, S3, SSM and CloudWatch`,
        VpcId: { Ref: NETWORK_IDS.vpc },
        SecurityGroupEgress: [
          { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0', Description: 'HTTPS: Node, npm, AWS APIs' },
          { IpProtocol: 'tcp', FromPort: 80, ToPort: 80, CidrIp: '0.0.0.0/0', Description: 'HTTP: package mirrors' },
        ],
        Tags: [{ Key: 'Name', Value: `${name}-gpu` }],
      },
    },
    [id.launchTemplate]: {
      Type: 'AWS::EC2::LaunchTemplate',
      // IMDSv2 only: the instance role's credentials are not readable through a plain GET.
      Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 } } },
    },
    [id.instance]: {
      Type: 'AWS::EC2::Instance',
      DependsOn: [NETWORK_IDS.publicDefaultRoute], // the first boot downloads Node
      // The cost model (billing/) counts its hours only while a run keeps it busy: it powers off when idle.
      Metadata: { [BILLED_WHILE_RUNNING]: true },
      Properties: {
        ImageId: { Ref: id.amiParameter },
        InstanceType: cfg.instanceType,
        IamInstanceProfile: { Ref: id.profile },
        SubnetId: { Ref: NETWORK_IDS.publicSubnet },
        SecurityGroupIds: [{ Ref: id.securityGroup }],
        LaunchTemplate: { LaunchTemplateId: { Ref: id.launchTemplate }, Version: { 'Fn::GetAtt': [id.launchTemplate, 'LatestVersionNumber'] } },
        InstanceInitiatedShutdownBehavior: 'stop',
        ...(cfg.rootVolumeGb ? { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: cfg.rootVolumeGb, VolumeType: 'gp3', DeleteOnTermination: true } }] } : {}),
        UserData: { 'Fn::Base64': { 'Fn::Join': ['', [envHeader(cfg, ctx, bundleParameterName), bootstrapBody()]] } },
        Tags: [{ Key: 'Name', Value: `${name}-gpu` }, { Key: 'mltrain:role', Value: 'gpu-baseline' }],
      },
    },
  };
  return {
    resources,
    parameters: {
      [id.amiParameter]: {
        Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>',
        Default: cfg.amiParameter ?? DEFAULT_AMI_PARAMETER,
        Description: 'SSM public parameter of the Deep Learning AMI the GPU instance boots',
      },
    },
    outputs: {
      GpuInstanceId: { Description: 'The GPU baseline instance (stopped when idle)', Value: { Ref: id.instance } },
      GpuTrainerLogGroup: { Description: 'CloudWatch log group of the GPU trainer', Value: { Ref: id.logGroup } },
    },
  };
}

function instanceStatements(cfg: GpuInstanceConfig, ctx: GpuInstanceContext, bundleParameterName: string, deploymentBucket: unknown) {
  return [
    { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Sub': `\${${cfg.bucket}.Arn}/*` } },
    { Effect: 'Allow', Action: ['s3:ListBucket'], Resource: { 'Fn::GetAtt': [cfg.bucket, 'Arn'] } },
    {
      Effect: 'Allow', Action: ['s3:GetObject'],
      // This service's deployments only (<prefix>/<service>/<stage>/<deployment>/...).
      Resource: { 'Fn::Sub': [`arn:\${AWS::Partition}:s3:::\${Bucket}/${path.posix.dirname(ctx.artifactDirectoryName)}/*`, { Bucket: deploymentBucket }] },
    },
    { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${bundleParameterName}` } },
    { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'], Resource: { 'Fn::GetAtt': [GPU_IDS.logGroup, 'Arn'] } },
  ];
}

/** The only part of the user data CloudFormation fills in: names, never secrets. */
function envHeader(cfg: GpuInstanceConfig, ctx: GpuInstanceContext, bundleParameterName: string) {
  const lines = [
    '#!/bin/bash',
    '# mltrain GPU instance, first boot: rendered by plugins/mltrain/src/ec2/gpu-instance.ts from gpu/bootstrap/',
    'mkdir -p /opt/mltrain',
    "cat > /etc/mltrain.env <<'MLTRAIN_EOF'",
    `MLTRAIN_BUCKET=\${${cfg.bucket}}`,
    `MLTRAIN_BUNDLE_PARAMETER=${bundleParameterName}`,
    `MLTRAIN_LOG_GROUP=\${${GPU_IDS.logGroup}}`,
    `MLTRAIN_SERVICE=${ctx.service}`,
    `MLTRAIN_STAGE=${ctx.stage}`,
    'AWS_REGION=${AWS::Region}',
    'AWS_DEFAULT_REGION=${AWS::Region}',
    `MLTRAIN_MAX_HOURS=${cfg.maxHours ?? 8}`,
    `MLTRAIN_NATIVE_PACKAGE=${ctx.nativePackage}`,
    'MLTRAIN_NODE_MAJOR=22',
    'MLTRAIN_EOF',
    '',
  ];
  return { 'Fn::Sub': lines.join('\n') };
}

/** Literal part (no substitution): the every-boot runner, its systemd unit, then the first-boot script. */
export function bootstrapBody(): string {
  const file = (name: string) => readFileSync(path.join(BOOTSTRAP_DIR, name), 'utf8');
  const write = (target: string, name: string) => {
    const text = file(name);
    if (text.includes('MLTRAIN_EOF')) throw new Error(`gpu/bootstrap/${name} must not contain the heredoc delimiter MLTRAIN_EOF`);
    return `cat > ${target} <<'MLTRAIN_EOF'\n${text.endsWith('\n') ? text : `${text}\n`}MLTRAIN_EOF\n`;
  };
  return [write('/opt/mltrain/run-jobs.sh', 'run-jobs.sh'), write('/etc/systemd/system/mltrain-jobs.service', 'mltrain-jobs.service'), file('first-boot.sh')].join('');
}
