import { EC2Client } from '@aws-sdk/client-ec2';
import { ConfigurationError, ENV, requireEnv } from '../../config/env';
import type { ObjectStore } from '../../stores/types';
import type { Logger } from '../../util/log';
import type { JobLauncher } from './launcher';
import { Ec2InstanceLauncher } from './launchers/ec2';
import { LocalProcessLauncher } from './launchers/local-process';

// What the gpu service reads from its environment: serverless.yml sets the instance id on AWS; the
// local runtime sets MLTRAIN_JOB_LAUNCHER=local and the address of its job server instead.

export const GPU_ENV = {
  instanceId: 'MLTRAIN_GPU_INSTANCE_ID',
  launcher: 'MLTRAIN_JOB_LAUNCHER',
  localJobsEndpoint: 'MLTRAIN_LOCAL_JOBS_ENDPOINT',
} as const;

export function gpuBucketName(env: NodeJS.ProcessEnv = process.env): string {
  return requireEnv(ENV.bucket, env);
}

/** The launcher the configuration names: `local` → a local process, unset or `ec2` → the instance. */
export function createJobLauncher(store: ObjectStore, log: Logger, env: NodeJS.ProcessEnv = process.env): JobLauncher {
  const kind = env[GPU_ENV.launcher] || 'ec2';
  if (kind === 'local') return new LocalProcessLauncher(requireEnv(GPU_ENV.localJobsEndpoint, env));
  if (kind === 'ec2') {
    const ec2 = new EC2Client({ region: env.AWS_REGION ?? 'us-east-1' });
    return new Ec2InstanceLauncher(ec2, requireEnv(GPU_ENV.instanceId, env), store, log);
  }
  throw new ConfigurationError(`${GPU_ENV.launcher} must be ec2 or local, got "${kind}"`);
}
