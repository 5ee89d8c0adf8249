import { PRICES } from './prices';
import type { TrafficSnapshot } from './traffic';

export interface FunctionUsage {
  memoryMb: number;
  seconds: number;
}

export interface CostEstimate {
  usd: number;
  breakdown: { lambda: number; stepFunctions: number; s3: number; sqs: number; ec2: number };
  assumptions: string;
}

/** Lambda GB-seconds and requests + transitions + S3/SQS requests + instance hours over the wall time. */
export function estimateCost(input: {
  invocations: FunctionUsage[];
  traffic: TrafficSnapshot;
  wallSeconds: number;
  instances?: { type: string; count: number }[];
}): CostEstimate {
  const gbSeconds = input.invocations.reduce((sum, i) => sum + (i.memoryMb / 1024) * i.seconds, 0);
  const lambda = gbSeconds * PRICES.lambdaArm64PerGbSecond + input.invocations.length * PRICES.lambdaPerRequest;
  const stepFunctions = input.traffic.requests.stateTransitions * PRICES.stepFunctionsPerTransition;
  const s3Writes = input.traffic.s3WriteRequests;
  const s3Reads = Math.max(0, input.traffic.requests.s3 - s3Writes);
  const s3 = s3Writes * PRICES.s3PerWriteRequest + s3Reads * PRICES.s3PerReadRequest;
  const sqs = input.traffic.requests.sqs * PRICES.sqsPerRequest;
  const ec2 = (input.instances ?? []).reduce((sum, { type, count }) => {
    const hourly = PRICES.ec2PerHour[type];
    if (hourly === undefined) throw new Error(`no price for EC2 instance type ${type} in lib/metrics/prices.ts`);
    return sum + hourly * count * (input.wallSeconds / 3600);
  }, 0);
  const breakdown = { lambda, stepFunctions, s3, sqs, ec2 };
  return {
    usd: lambda + stepFunctions + s3 + sqs + ec2,
    breakdown,
    assumptions: `Estimate from local timings: Lambda arm64 at the configured memory for each invocation's measured duration (${gbSeconds.toFixed(1)} GB-s), `
      + `request and transition counts as counted, instance hours over the run's wall time; ${PRICES.region} prices as of ${PRICES.asOf}. `
      + 'Local durations include this machine\'s CPU contention and differ from Lambda\'s.',
  };
}
