import { INTERFACE_ENDPOINT_SERVICES } from '../schema';
import type { CfnResources } from './types';

// The network the services share (COMMON convention: other features reference these logical ids).
// Lean and cheap by default: two private subnets with no NAT gateway; S3 and DynamoDB reached
// through gateway endpoints (free); interface endpoints (billed per hour and AZ) only for the AWS
// APIs a service lists; a public subnet with an internet gateway (free) only for an instance that
// must download software (the GPU instance), which gets a public address and admits no inbound
// traffic.

export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

export const NETWORK_IDS = {
  vpc: 'MltrainVpc',
  privateSubnetA: 'MltrainPrivateSubnetA',
  privateSubnetB: 'MltrainPrivateSubnetB',
  functionSecurityGroup: 'MltrainFunctionSecurityGroup',
  dataSecurityGroup: 'MltrainDataSecurityGroup',
  endpointSecurityGroup: 'MltrainEndpointSecurityGroup',
  privateRouteTable: 'MltrainPrivateRouteTable',
  publicSubnet: 'MltrainPublicSubnet',
  publicRouteTable: 'MltrainPublicRouteTable',
  internetGateway: 'MltrainInternetGateway',
  internetGatewayAttachment: 'MltrainInternetGatewayAttachment',
  publicDefaultRoute: 'MltrainPublicDefaultRoute',
  s3Endpoint: 'MltrainS3GatewayEndpoint',
  dynamodbEndpoint: 'MltrainDynamodbGatewayEndpoint',
} as const;

export interface NetworkOptions {
  /** A /16 in 10.0.0.0/8 (default 10.42.0.0/16). */
  cidr?: string;
  /** The private subnets, security groups and endpoints functions and databases use (custom.mltrain.vpc). */
  private: boolean;
  interfaceEndpoints?: readonly InterfaceEndpointService[];
  /** A public subnet for an instance that needs the internet (custom.mltrain.gpuInstance). */
  public: boolean;
  /** Index in the region's availability zones of the public subnet (default 0). */
  publicAzIndex?: number;
  /** Prefix of the Name tags (service-stage). */
  name: string;
}

const ref = (id: string) => ({ Ref: id });
const az = (index: number) => ({ 'Fn::Select': [index, { 'Fn::GetAZs': '' }] });
const tags = (name: string) => [{ Key: 'Name', Value: name }];
const ALL_OUTBOUND = [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0', Description: 'outbound to the VPC endpoints and the data security group' }];

export function networkResources(opts: NetworkOptions): CfnResources {
  const cidr = opts.cidr ?? '10.42.0.0/16';
  const prefix = /^10\.(\d{1,3})\.0\.0\/16$/.exec(cidr);
  if (!prefix || Number(prefix[1]) > 255) throw new Error(`mltrain vpc: cidr must be a 10.X.0.0/16 block, got ${cidr}`);
  const subnet = (third: number) => `10.${prefix[1]}.${third}.0/20`;
  const id = NETWORK_IDS;
  const r: CfnResources = {
    [id.vpc]: {
      Type: 'AWS::EC2::VPC',
      // DNS hostnames are required for the interface endpoints' private DNS names.
      Properties: { CidrBlock: cidr, EnableDnsSupport: true, EnableDnsHostnames: true, Tags: tags(`${opts.name}-vpc`) },
    },
  };
  const gatewayRouteTables: unknown[] = [];
  if (opts.private) {
    for (const [key, index, third] of [['privateSubnetA', 0, 0], ['privateSubnetB', 1, 16]] as const) {
      r[id[key]] = {
        Type: 'AWS::EC2::Subnet',
        Properties: { VpcId: ref(id.vpc), CidrBlock: subnet(third), AvailabilityZone: az(index), MapPublicIpOnLaunch: false, Tags: tags(`${opts.name}-private-${index ? 'b' : 'a'}`) },
      };
      r[`${id[key]}RouteTableAssociation`] = {
        Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref(id[key]), RouteTableId: ref(id.privateRouteTable) },
      };
    }
    // No route out: no NAT gateway (about $33 a month plus data), AWS APIs go through endpoints.
    r[id.privateRouteTable] = { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref(id.vpc), Tags: tags(`${opts.name}-private`) } };
    gatewayRouteTables.push(ref(id.privateRouteTable));
    r[id.functionSecurityGroup] = {
      Type: 'AWS::EC2::SecurityGroup',
      Properties: { GroupDescription: `${opts.name} functions: no inbound traffic`, VpcId: ref(id.vpc), SecurityGroupEgress: ALL_OUTBOUND, Tags: tags(`${opts.name}-functions`) },
    };
    r[id.dataSecurityGroup] = {
      Type: 'AWS::EC2::SecurityGroup',
      // Each feature adds an AWS::EC2::SecurityGroupIngress for its port from the function group.
      Properties: { GroupDescription: `${opts.name} databases and servers: inbound only from the functions`, VpcId: ref(id.vpc), SecurityGroupEgress: ALL_OUTBOUND, Tags: tags(`${opts.name}-data`) },
    };
    const endpoints = [...new Set(opts.interfaceEndpoints ?? [])].sort();
    if (endpoints.length) {
      r[id.endpointSecurityGroup] = {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: `${opts.name} interface endpoints: HTTPS from inside the VPC`, VpcId: ref(id.vpc),
          SecurityGroupIngress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: cidr, Description: 'HTTPS from the VPC' }],
          Tags: tags(`${opts.name}-endpoints`),
        },
      };
    }
    for (const service of endpoints) {
      r[interfaceEndpointId(service)] = {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: {
          VpcEndpointType: 'Interface', VpcId: ref(id.vpc), ServiceName: { 'Fn::Sub': `com.amazonaws.\${AWS::Region}.${service}` },
          SubnetIds: [ref(id.privateSubnetA), ref(id.privateSubnetB)], SecurityGroupIds: [ref(id.endpointSecurityGroup)], PrivateDnsEnabled: true,
        },
      };
    }
  } else if (opts.interfaceEndpoints?.length) {
    throw new Error('mltrain vpc: interface endpoints need the private subnets (custom.mltrain.vpc)');
  }
  if (opts.public) {
    Object.assign(r, {
      [id.internetGateway]: { Type: 'AWS::EC2::InternetGateway', Properties: { Tags: tags(`${opts.name}-igw`) } },
      [id.internetGatewayAttachment]: { Type: 'AWS::EC2::VPCGatewayAttachment', Properties: { VpcId: ref(id.vpc), InternetGatewayId: ref(id.internetGateway) } },
      [id.publicSubnet]: {
        Type: 'AWS::EC2::Subnet',
        Properties: { VpcId: ref(id.vpc), CidrBlock: subnet(128), AvailabilityZone: az(opts.publicAzIndex ?? 0), MapPublicIpOnLaunch: true, Tags: tags(`${opts.name}-public`) },
      },
      [id.publicRouteTable]: { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: ref(id.vpc), Tags: tags(`${opts.name}-public`) } },
      [id.publicDefaultRoute]: {
        Type: 'AWS::EC2::Route', DependsOn: id.internetGatewayAttachment,
        Properties: { RouteTableId: ref(id.publicRouteTable), DestinationCidrBlock: '0.0.0.0/0', GatewayId: ref(id.internetGateway) },
      },
      [`${id.publicSubnet}RouteTableAssociation`]: {
        Type: 'AWS::EC2::SubnetRouteTableAssociation', Properties: { SubnetId: ref(id.publicSubnet), RouteTableId: ref(id.publicRouteTable) },
      },
    });
    gatewayRouteTables.push(ref(id.publicRouteTable));
  }
  if (gatewayRouteTables.length) {
    for (const [key, service] of [['s3Endpoint', 's3'], ['dynamodbEndpoint', 'dynamodb']] as const) {
      r[id[key]] = {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: { VpcEndpointType: 'Gateway', VpcId: ref(id.vpc), ServiceName: { 'Fn::Sub': `com.amazonaws.\${AWS::Region}.${service}` }, RouteTableIds: gatewayRouteTables },
      };
    }
  }
  return r;
}

export function interfaceEndpointId(service: InterfaceEndpointService): string {
  return `Mltrain${service[0].toUpperCase()}${service.slice(1)}Endpoint`;
}

/** provider.vpc for functions in the private subnets (osls then adds the VPC access policy to their role). */
export function functionVpcConfig() {
  return {
    securityGroupIds: [ref(NETWORK_IDS.functionSecurityGroup)],
    subnetIds: [ref(NETWORK_IDS.privateSubnetA), ref(NETWORK_IDS.privateSubnetB)],
  };
}
