// The one place that reads the process environment. serverless.yml sets these on AWS; the local
// runtime sets the same names, so handlers never know where they run.

export interface FunctionEnvironment {
  /** The service's bucket: datasets, run state, synchronisation keys, results. */
  bucketName: string;
  /** Name of the worker function, as the AWS Lambda API knows it. */
  workerFunctionName: string;
  stage: string;
  service: string;
}

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigurationError(`environment variable ${name} is not set (serverless.yml or the local runtime must set it)`);
  }
  return value;
}

export const ENV = {
  bucket: 'MLTRAIN_BUCKET',
  workerFunction: 'MLTRAIN_WORKER_FUNCTION',
  stage: 'MLTRAIN_STAGE',
  service: 'MLTRAIN_SERVICE',
  /** The channel the stack was deployed for (`--param channel=...`); a run may name another it has. */
  channel: 'MLTRAIN_CHANNEL',
  /** redis://host:port (rediss:// with TLS); the same name the local runtime sets for redis-server. */
  redisUrl: 'REDIS_URL',
  /** host:port of the Memcached node; the same name the local runtime sets for memcached. */
  memcachedUrl: 'MEMCACHED_URL',
  /** The DynamoDB table the dynamodb channel keeps its items in. */
  dynamoTable: 'MLTRAIN_DYNAMODB_TABLE',
  /** How long channel keys live in Redis, Memcached and DynamoDB before they expire on their own. */
  channelTtlSeconds: 'MLTRAIN_CHANNEL_TTL_SECONDS',
} as const;

export function readFunctionEnvironment(env: NodeJS.ProcessEnv = process.env): FunctionEnvironment {
  return {
    bucketName: requireEnv(ENV.bucket, env),
    workerFunctionName: requireEnv(ENV.workerFunction, env),
    stage: env[ENV.stage] ?? 'dev',
    service: env[ENV.service] ?? 'unknown',
  };
}
