import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { functionVpcConfig, interfaceEndpointId, NETWORK_IDS, networkResources } from '../../plugins/mltrain/src/network';
import { mergeResources } from '../../plugins/mltrain/src/network/types';

const types = (r: Record<string, { Type: string }>) => Object.fromEntries(Object.entries(r).map(([id, v]) => [id, v.Type]));

describe('networkResources', () => {
  const full = networkResources({ name: 'svc-dev', private: true, interfaceEndpoints: ['sqs', 'lambda', 'sqs'], public: false });

  it('emits the logical ids the other features rely on, and no NAT gateway', () => {
    expect(types(full)).toMatchObject({
      MltrainVpc: 'AWS::EC2::VPC', MltrainPrivateSubnetA: 'AWS::EC2::Subnet', MltrainPrivateSubnetB: 'AWS::EC2::Subnet',
      MltrainFunctionSecurityGroup: 'AWS::EC2::SecurityGroup', MltrainDataSecurityGroup: 'AWS::EC2::SecurityGroup',
      MltrainS3GatewayEndpoint: 'AWS::EC2::VPCEndpoint', MltrainDynamodbGatewayEndpoint: 'AWS::EC2::VPCEndpoint',
    });
    const kinds = Object.values(types(full));
    expect(kinds).not.toContain('AWS::EC2::NatGateway');
    expect(kinds).not.toContain('AWS::EC2::EIP');
    expect(kinds).not.toContain('AWS::EC2::InternetGateway');
    expect(Object.values(full).filter((r) => r.Type === 'AWS::EC2::Route')).toEqual([]); // no way out but the endpoints
  });

  it('puts the subnets in two zones, and S3/DynamoDB behind free gateway endpoints', () => {
    expect(full.MltrainPrivateSubnetA.Properties).toMatchObject({ CidrBlock: '10.42.0.0/20', AvailabilityZone: { 'Fn::Select': [0, { 'Fn::GetAZs': '' }] }, MapPublicIpOnLaunch: false });
    expect(full.MltrainPrivateSubnetB.Properties).toMatchObject({ CidrBlock: '10.42.16.0/20', AvailabilityZone: { 'Fn::Select': [1, { 'Fn::GetAZs': '' }] } });
    expect(full.MltrainS3GatewayEndpoint.Properties).toMatchObject({
      VpcEndpointType: 'Gateway', ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.s3' }, RouteTableIds: [{ Ref: 'MltrainPrivateRouteTable' }],
    });
  });

  it('creates interface endpoints only for the listed services, reachable on 443 from the VPC', () => {
    const endpoints = Object.entries(full).filter(([, r]) => r.Properties?.VpcEndpointType === 'Interface').map(([id]) => id);
    expect(endpoints).toEqual([interfaceEndpointId('lambda'), interfaceEndpointId('sqs')]);
    expect(full.MltrainSqsEndpoint.Properties).toMatchObject({
      ServiceName: { 'Fn::Sub': 'com.amazonaws.${AWS::Region}.sqs' }, PrivateDnsEnabled: true,
      SubnetIds: [{ Ref: 'MltrainPrivateSubnetA' }, { Ref: 'MltrainPrivateSubnetB' }], SecurityGroupIds: [{ Ref: 'MltrainEndpointSecurityGroup' }],
    });
    expect(full.MltrainEndpointSecurityGroup.Properties!.SecurityGroupIngress).toEqual([expect.objectContaining({ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.42.0.0/16' })]);
    const none = networkResources({ name: 'svc-dev', private: true, public: false });
    expect(Object.values(none).filter((r) => r.Properties?.VpcEndpointType === 'Interface')).toEqual([]);
    expect(none.MltrainEndpointSecurityGroup).toBeUndefined();
  });

  it('admits nothing into the function and data groups (features add their own port rules)', () => {
    expect(full.MltrainFunctionSecurityGroup.Properties!.SecurityGroupIngress).toBeUndefined();
    expect(full.MltrainDataSecurityGroup.Properties!.SecurityGroupIngress).toBeUndefined();
    expect(full.MltrainVpc.Properties).toMatchObject({ EnableDnsSupport: true, EnableDnsHostnames: true });
  });

  it('adds a public subnet with an internet gateway only for an instance that needs one', () => {
    const gpuOnly = networkResources({ name: 'gpu-dev', private: false, public: true, publicAzIndex: 2, cidr: '10.7.0.0/16' });
    expect(types(gpuOnly)).toMatchObject({ MltrainPublicSubnet: 'AWS::EC2::Subnet', MltrainInternetGateway: 'AWS::EC2::InternetGateway', MltrainPublicDefaultRoute: 'AWS::EC2::Route' });
    expect(gpuOnly.MltrainPrivateSubnetA).toBeUndefined();
    expect(gpuOnly.MltrainFunctionSecurityGroup).toBeUndefined();
    expect(gpuOnly.MltrainPublicSubnet.Properties).toMatchObject({ CidrBlock: '10.7.128.0/20', MapPublicIpOnLaunch: true, AvailabilityZone: { 'Fn::Select': [2, { 'Fn::GetAZs': '' }] } });
    expect(gpuOnly.MltrainPublicDefaultRoute).toMatchObject({ DependsOn: 'MltrainInternetGatewayAttachment', Properties: { DestinationCidrBlock: '0.0.0.0/0', GatewayId: { Ref: 'MltrainInternetGateway' } } });
    expect(gpuOnly.MltrainS3GatewayEndpoint.Properties!.RouteTableIds).toEqual([{ Ref: 'MltrainPublicRouteTable' }]);
  });

  it('refuses a bad CIDR, and interface endpoints without private subnets', () => {
    expect(() => networkResources({ name: 'x', private: true, public: false, cidr: '192.168.0.0/16' })).toThrow('cidr must be a 10.X.0.0/16 block, got 192.168.0.0/16');
    expect(() => networkResources({ name: 'x', private: false, public: true, interfaceEndpoints: ['sqs'] })).toThrow('interface endpoints need the private subnets');
  });

  it('refuses to overwrite a resource already in the template', () => {
    const template: Record<string, unknown> = { MltrainVpc: {} };
    expect(() => mergeResources(template, full, 'network')).toThrow('mltrain network: the template already has a resource MltrainVpc');
  });
});

describe('a service with custom.mltrain.vpc, packaged by osls offline', () => {
  let template: { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };
  const out = mkdtempSync(path.join(os.tmpdir(), 'vpc-package-'));
  beforeAll(() => {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'no-such-profile' };
    execFileSync(path.join(__dirname, '..', '..', 'node_modules', '.bin', 'serverless'), ['package', '--package', out],
      { cwd: path.join(__dirname, 'fixtures', 'vpc-service'), env, stdio: 'pipe' });
    template = JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('puts every function in the private subnets with the function security group', () => {
    for (const fn of ['HelloLambdaFunction', 'OtherLambdaFunction']) {
      expect(template.Resources[fn].Properties.VpcConfig).toEqual({
        SecurityGroupIds: [{ Ref: NETWORK_IDS.functionSecurityGroup }], SubnetIds: [{ Ref: NETWORK_IDS.privateSubnetA }, { Ref: NETWORK_IDS.privateSubnetB }],
      });
    }
    expect(functionVpcConfig().subnetIds).toHaveLength(2);
  });

  it('lets osls give the role its VPC access policy, and adds the network resources', () => {
    expect(JSON.stringify(template.Resources.IamRoleLambdaExecution.Properties.ManagedPolicyArns)).toContain('AWSLambdaVPCAccessExecutionRole');
    expect(template.Resources.MltrainLambdaEndpoint.Type).toBe('AWS::EC2::VPCEndpoint');
    expect(template.Resources.MltrainSqsEndpoint.Type).toBe('AWS::EC2::VPCEndpoint');
    expect(template.Resources.MltrainStatesEndpoint).toBeUndefined();
    expect(template.Resources.MltrainPublicSubnet).toBeUndefined();
  });
});
