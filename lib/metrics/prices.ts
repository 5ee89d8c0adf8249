// Prices behind the cost estimate. Source: the AWS pricing pages for us-east-1 as recorded in the
// product specification (shared/spec/cli-and-results.md, late 2026). Verify before relying on them.

export const PRICES = {
  region: 'us-east-1',
  asOf: '2026-11',
  source: 'AWS pricing pages for Lambda, Step Functions, S3, SQS and EC2 (us-east-1), as of late 2026',
  lambdaArm64PerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  stepFunctionsPerTransition: 0.025 / 1000,
  s3PerWriteRequest: 0.005 / 1000, // PUT, COPY, POST, LIST
  s3PerReadRequest: 0.0004 / 1000, // GET and the rest
  sqsPerRequest: 0.4 / 1e6,
  ec2PerHour: { 'g4dn.xlarge': 0.526, 'c7g.large': 0.0725 } as Record<string, number>,
} as const;
