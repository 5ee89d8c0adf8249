/**
 * How many threads the native engine uses: the function's vCPUs on Lambda (Lambda gives one vCPU
 * per 1,769 MB, at most 6), this machine's cores locally, or MLTRAIN_NATIVE_THREADS when set.
 */
import * as os from 'node:os';

export const THREADS_ENV_VAR = 'MLTRAIN_NATIVE_THREADS';
const LAMBDA_MB_PER_VCPU = 1769;
const LAMBDA_MAX_VCPUS = 6;

export function nativeThreadCount(env: NodeJS.ProcessEnv = process.env, cores: number = os.availableParallelism()): number {
  const explicit = env[THREADS_ENV_VAR];
  if (explicit !== undefined && explicit !== '') {
    const n = Number(explicit);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${THREADS_ENV_VAR} must be a positive integer, got '${explicit}'`);
    return n;
  }
  const memory = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  if (memory !== undefined && memory !== '') {
    const mb = Number(memory);
    if (!(mb > 0)) throw new Error(`AWS_LAMBDA_FUNCTION_MEMORY_SIZE must be a positive number, got '${memory}'`);
    return Math.min(LAMBDA_MAX_VCPUS, Math.ceil(mb / LAMBDA_MB_PER_VCPU));
  }
  return Math.max(1, cores);
}
