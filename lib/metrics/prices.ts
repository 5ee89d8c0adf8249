// Prices behind the cost estimate: AWS's public on-demand price list for us-east-1 (N. Virginia),
// Linux, as known on 2026-12-03 from the published pricing pages (Lambda, Step Functions, S3, SQS,
// DynamoDB, ElastiCache, EC2, PrivateLink, data transfer). They were not fetched from the Price
// List API here (no network to AWS): verify before relying on them, and add a type the estimate
// refuses (it names the missing price) from the same pages.

export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-12-03',
  source: 'AWS public on-demand price list, us-east-1, Linux; figures as known on 2026-12-03, not fetched from the Price List API',
  // Lambda, arm64: per GB-second of configured memory × duration, and per request.
  lambdaArm64PerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  // Step Functions Standard: per state transition.
  stepFunctionsPerTransition: 0.025 / 1000,
  // Step Functions Express: per request, and per GB-second of memory (billed in 64 MB steps) × duration (100 ms steps).
  expressPerRequest: 1.0 / 1e6,
  expressPerGbSecond: 0.00001667,
  expressMemoryStepMb: 64,
  expressDurationStepSeconds: 0.1,
  // S3 Standard requests.
  s3PerWriteRequest: 0.005 / 1000, // PUT, COPY, POST, LIST
  s3PerReadRequest: 0.0004 / 1000, // GET and the rest
  // SQS standard queues, per request (64 KB chunk).
  sqsPerRequest: 0.4 / 1e6,
  // DynamoDB on-demand (after the November 2024 reduction): per write/read request unit, per GB-month stored.
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  dynamoPerGbMonth: 0.25,
  // VPC interface endpoints (PrivateLink): per endpoint per AZ per hour, and per GB processed.
  interfaceEndpointPerAzHour: 0.01,
  interfaceEndpointPerGb: 0.01,
  // Data between AZs in the region: per GB, charged on each side.
  interAzPerGbEachWay: 0.01,
  ec2PerHour: {
    't4g.small': 0.0168, 't4g.medium': 0.0336, 'c7g.large': 0.0725, 'c7g.xlarge': 0.145, 'c7i.large': 0.08925, 'm7g.large': 0.0816,
    'g4dn.xlarge': 0.526, 'g4dn.2xlarge': 0.752, 'g5.xlarge': 1.006, 'g5.2xlarge': 1.212, 'g6.xlarge': 0.8048, 'p3.2xlarge': 3.06,
  } as Record<string, number>,
  elastiCachePerHour: {
    'cache.t4g.micro': 0.016, 'cache.t4g.small': 0.032, 'cache.t4g.medium': 0.065, 'cache.m7g.large': 0.158, 'cache.r7g.large': 0.219,
  } as Record<string, number>,
} as const;

export function hourlyPrice(table: Record<string, number>, type: string, what: string): number {
  const price = table[type];
  if (price === undefined) throw new Error(`no price for ${what} ${type} in lib/metrics/prices.ts (known: ${Object.keys(table).join(', ')})`);
  return price;
}
