import type { Billables } from '../../plugins/mltrain/src/billing/billables';
import { hourlyPrice, PRICES } from './prices';
import type { TrafficSnapshot } from './traffic';

// The estimated AWS cost of a run: what it uses (Lambda, Step Functions, S3, SQS, DynamoDB
// requests, bytes through endpoints and across AZs) plus what its service keeps running over the
// run's wall time (EC2 instances, ElastiCache nodes, interface endpoints), the latter read from
// the resources the plugin generates for the service (plugins/mltrain/src/billing).

export interface FunctionUsage {
  memoryMb: number;
  seconds: number;
}

export type Workflow = 'standard' | 'express';

export interface StepFunctionsUsage {
  /** How the run's state machines were declared. */
  workflow: Workflow;
  transitions: number;
  /** Duration of each execution. */
  executionSeconds: number[];
}

export interface CostBreakdown {
  lambda: number;
  stepFunctions: number;
  s3: number;
  sqs: number;
  dynamodb: number;
  elastiCache: number;
  ec2: number;
  vpcEndpoints: number;
  dataTransfer: number;
}

export interface CostEstimate {
  usd: number;
  breakdown: CostBreakdown;
  /** What the deployed service costs per hour while no run uses it (instances that power off when idle excluded). */
  idleUsdPerHour: number;
  /** The same executions priced both ways (Standard: per transition; Express: per request and GB-second). */
  stepFunctions?: { workflow: Workflow; standardUsd: number; expressUsd: number; transitions: number; executions: number; expressGbSeconds: number };
  assumptions: string;
}

export interface CostInput {
  invocations: FunctionUsage[];
  traffic: TrafficSnapshot;
  wallSeconds: number;
  deployed: Billables;
  stepFunctions?: StepFunctionsUsage;
}

const GB = 1e9;

export function estimateCost(input: CostInput): CostEstimate {
  const hours = input.wallSeconds / 3600;
  const gbSeconds = input.invocations.reduce((sum, i) => sum + (i.memoryMb / 1024) * i.seconds, 0);
  const sfn = input.stepFunctions && stepFunctionsCost(input.stepFunctions);
  const hourly = hourlyCosts(input.deployed);
  const breakdown: CostBreakdown = {
    lambda: gbSeconds * PRICES.lambdaArm64PerGbSecond + input.invocations.length * PRICES.lambdaPerRequest,
    stepFunctions: sfn ? (sfn.workflow === 'express' ? sfn.expressUsd : sfn.standardUsd) : input.traffic.requests.stateTransitions * PRICES.stepFunctionsPerTransition,
    ...requestCosts(input.traffic),
    elastiCache: hourly.elastiCache * hours,
    ec2: (hourly.ec2 + hourly.ec2WhileRunning) * hours,
    vpcEndpoints: hourly.vpcEndpoints * hours + endpointBytes(input.traffic, input.deployed) / GB * PRICES.interfaceEndpointPerGb,
    dataTransfer: crossAzBytes(input.traffic, input.deployed) / GB * 2 * PRICES.interAzPerGbEachWay,
  };
  return {
    usd: Object.values(breakdown).reduce((a, b) => a + b, 0),
    breakdown,
    idleUsdPerHour: hourly.elastiCache + hourly.ec2 + hourly.vpcEndpoints,
    ...(sfn ? { stepFunctions: sfn } : {}),
    assumptions: `Estimate from local timings: Lambda arm64 at the configured memory for each invocation's measured duration (${gbSeconds.toFixed(1)} GB-s); `
      + 'requests, transitions and bytes as counted; what the service keeps running (EC2 instances, ElastiCache nodes, interface endpoints in 2 AZs) '
      + 'over the run\'s wall time; DynamoDB request units from the bytes moved (1 KB per write unit, 4 KB per read unit); half the bytes to in-VPC '
      + `instances and nodes crossing AZs; ${PRICES.region} prices as of ${PRICES.asOf} (lib/metrics/prices.ts). `
      + 'Local durations include this machine\'s CPU contention and differ from Lambda\'s.',
  };
}

/** Standard: per transition. Express: per execution, plus 64 MB (the least) × duration in 100 ms steps. */
export function stepFunctionsCost(u: StepFunctionsUsage): NonNullable<CostEstimate['stepFunctions']> {
  const step = PRICES.expressDurationStepSeconds;
  const expressGbSeconds = u.executionSeconds.reduce((sum, s) => sum + Math.max(1, Math.ceil(s / step - 1e-9)) * step * (PRICES.expressMemoryStepMb / 1024), 0);
  return {
    workflow: u.workflow,
    standardUsd: u.transitions * PRICES.stepFunctionsPerTransition,
    expressUsd: u.executionSeconds.length * PRICES.expressPerRequest + expressGbSeconds * PRICES.expressPerGbSecond,
    transitions: u.transitions,
    executions: u.executionSeconds.length,
    expressGbSeconds,
  };
}

function requestCosts(t: TrafficSnapshot): Pick<CostBreakdown, 's3' | 'sqs' | 'dynamodb'> {
  const s3Reads = Math.max(0, t.requests.s3 - t.s3WriteRequests);
  const dynamo = t.bytesByKind?.dynamodb ?? { written: 0, read: 0 };
  const writeUnits = Math.ceil(dynamo.written / 1024);
  const readUnits = Math.ceil(dynamo.read / 4096);
  return {
    s3: t.s3WriteRequests * PRICES.s3PerWriteRequest + s3Reads * PRICES.s3PerReadRequest,
    sqs: t.requests.sqs * PRICES.sqsPerRequest,
    dynamodb: writeUnits * PRICES.dynamoPerWriteUnit + readUnits * PRICES.dynamoPerReadUnit,
  };
}

/** Per hour: instances that run while deployed, those that run only during a run, cache nodes, endpoint interfaces. */
export function hourlyCosts(d: Billables): { ec2: number; ec2WhileRunning: number; elastiCache: number; vpcEndpoints: number } {
  const ec2 = (whileRunningOnly: boolean) => d.instances.filter((i) => i.whileRunningOnly === whileRunningOnly)
    .reduce((sum, i) => sum + hourlyPrice(PRICES.ec2PerHour, i.type, 'EC2 instance type') * i.count, 0);
  return {
    ec2: ec2(false),
    ec2WhileRunning: ec2(true),
    elastiCache: d.cacheNodes.reduce((sum, n) => sum + hourlyPrice(PRICES.elastiCachePerHour, n.type, 'ElastiCache node type') * n.count, 0),
    vpcEndpoints: d.interfaceEndpoints.reduce((sum, e) => sum + e.azs * PRICES.interfaceEndpointPerAzHour, 0),
  };
}

/** Bytes the functions exchange with AWS APIs through interface endpoints (SQS messages; S3 and DynamoDB use the free gateways). */
function endpointBytes(t: TrafficSnapshot, d: Billables): number {
  if (!d.interfaceEndpoints.some((e) => e.service === 'sqs')) return 0;
  const sqs = t.bytesByKind?.sqs ?? { written: 0, read: 0 };
  return sqs.written + sqs.read;
}

/** Functions spread over two AZs, each instance or node in one: half their bytes cross. */
function crossAzBytes(t: TrafficSnapshot, d: Billables): number {
  if (!d.functionsInVpc || (d.instances.length === 0 && d.cacheNodes.length === 0)) return 0;
  const kinds = ['redis', 'memcached', 'parameterServer'] as const;
  return kinds.reduce((sum, k) => sum + (t.bytesByKind?.[k]?.written ?? 0) + (t.bytesByKind?.[k]?.read ?? 0), 0) / 2;
}
