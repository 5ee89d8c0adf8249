import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

// One EC2 instance per SPIRT peer running Redis (or Valkey) with the tensor module, built at boot
// from the source shipped with the deployment. Each peer's password is a generated secret read
// through SSM's Secrets Manager reference; the endpoint is an SSM parameter the functions read.
// Port 6379 admits only the functions' security group (network module's convention).

export interface PeerDatabasesConfig {
  peers?: number;
  instanceType?: string;
}

export const TENSOR_SOURCE_ARTIFACT = 'redisai-source.tar.gz';
const AMI = '{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}';

export interface PeerDatabaseNames {
  service: string;
  stage: string;
  artifactDirectoryName: string;
}

/** The password secret's name: what SsmPeerDirectory reads as /aws/reference/secretsmanager/<name>. */
export function peerSecretName(service: string, stage: string, peer: number): string {
  return `${service}/${stage}/peers/peer-${peer}/password`;
}

export function peerDatabaseResources(config: Required<PeerDatabasesConfig>, names: PeerDatabaseNames): Record<string, unknown> {
  const { service, stage } = names;
  const resources: Record<string, unknown> = {
    PeerDatabaseRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [{
          PolicyName: 'peer-database',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::\${ServerlessDeploymentBucket}/serverless/${service}/${stage}/*/${TENSOR_SOURCE_ARTIFACT}` } },
              { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${service}/${stage}/peers/module-source` } },
              { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${service}/${stage}/peers/*` } },
            ],
          },
        }],
      },
    },
    // Where this deploy put the module's source; instances read it when they build, so a new
    // deploy does not change their user data (and does not replace them).
    PeerDatabaseModuleSource: {
      Type: 'AWS::SSM::Parameter',
      Metadata: { 'mltrain:artifact': TENSOR_SOURCE_ARTIFACT },
      Properties: {
        Name: `/${service}/${stage}/peers/module-source`, Type: 'String',
        Value: { 'Fn::Sub': `s3://\${ServerlessDeploymentBucket}/${names.artifactDirectoryName}/${TENSOR_SOURCE_ARTIFACT}` },
      },
    },
    PeerDatabaseInstanceProfile: { Type: 'AWS::IAM::InstanceProfile', Properties: { Roles: [{ Ref: 'PeerDatabaseRole' }] } },
    PeerDatabaseIngress: {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: {
        GroupId: { Ref: 'MltrainDataSecurityGroup' }, IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379,
        SourceSecurityGroupId: { Ref: 'MltrainFunctionSecurityGroup' }, Description: 'SPIRT functions to the peer databases',
      },
    },
  };
  for (let p = 0; p < config.peers; p++) {
    const secret = `PeerDatabase${p}Password`;
    const instance = `PeerDatabase${p}`;
    resources[secret] = {
      Type: 'AWS::SecretsManager::Secret',
      Properties: { Name: peerSecretName(service, stage, p), GenerateSecretString: { PasswordLength: 40, ExcludePunctuation: true } },
    };
    resources[instance] = {
      Type: 'AWS::EC2::Instance',
      Properties: {
        ImageId: AMI,
        InstanceType: config.instanceType,
        SubnetId: { Ref: p % 2 === 0 ? 'MltrainPrivateSubnetA' : 'MltrainPrivateSubnetB' },
        SecurityGroupIds: [{ Ref: 'MltrainDataSecurityGroup' }],
        IamInstanceProfile: { Ref: 'PeerDatabaseInstanceProfile' },
        UserData: { 'Fn::Base64': { 'Fn::Sub': [bootstrapScript(`/${service}/${stage}/peers/module-source`), { SecretArn: { Ref: secret } }] } },
        Tags: [{ Key: 'Name', Value: `${service}-${stage}-peer-${p}` }, { Key: 'mltrain:role', Value: 'spirt-peer-database' }],
      },
    };
    resources[`PeerDatabase${p}Endpoint`] = {
      Type: 'AWS::SSM::Parameter',
      Properties: { Name: `/${service}/${stage}/peers/peer-${p}/endpoint`, Type: 'String', Value: { 'Fn::Sub': `redis://\${${instance}.PrivateIp}:6379` } },
    };
  }
  return resources;
}

export function peerDatabaseOutputs(peers: number): Record<string, unknown> {
  return Object.fromEntries(Array.from({ length: peers }, (_, p) => [`PeerDatabase${p}Endpoint`, { Value: { 'Fn::Sub': `redis://\${PeerDatabase${p}.PrivateIp}:6379` } }]));
}

/**
 * Boot script (Fn::Sub: ${SecretArn}, ${AWS::Region}; shell variables are written without braces
 * so Fn::Sub leaves them alone).
 */
export function bootstrapScript(sourceParameter: string): string {
  return `#!/bin/bash
set -euo pipefail
exec > /var/log/mltrain-peer-database.log 2>&1
dnf install -y gcc make tar gzip
if dnf install -y valkey; then SERVER=/usr/bin/valkey-server; else dnf install -y redis6; SERVER=/usr/bin/redis6-server; fi
mkdir -p /opt/mltrain-tensor /var/lib/mltrain-redis
SOURCE=$(aws ssm get-parameter --name ${sourceParameter} --query Parameter.Value --output text --region \${AWS::Region})
aws s3 cp "$SOURCE" /opt/mltrain-tensor/source.tar.gz --region \${AWS::Region}
tar xzf /opt/mltrain-tensor/source.tar.gz -C /opt/mltrain-tensor
make -C /opt/mltrain-tensor
PASSWORD=$(aws secretsmanager get-secret-value --secret-id "\${SecretArn}" --query SecretString --output text --region \${AWS::Region})
IP=$(TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60'); curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/local-ipv4)
umask 077
cat > /etc/mltrain-redis.conf <<CONF
bind $IP
port 6379
protected-mode yes
requirepass "$PASSWORD"
appendonly yes
dir /var/lib/mltrain-redis
loadmodule /opt/mltrain-tensor/build/mltrain_tensor.so
CONF
cat > /etc/systemd/system/mltrain-redis.service <<UNIT
[Unit]
Description=SPIRT peer database (Redis with the mltrain tensor module)
After=network-online.target
[Service]
ExecStart=$SERVER /etc/mltrain-redis.conf
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now mltrain-redis
`;
}

/** Packs redisai/ (Makefile + src) for the instances to build from. */
export function packTensorModuleSource(repoRoot: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, TENSOR_SOURCE_ARTIFACT);
  execFileSync('tar', ['czf', out, '-C', path.join(repoRoot, 'redisai'), 'Makefile', 'src']);
  return out;
}
