import { MODEL_KINDS } from '../../../../lib/ml/models/types';

// The deployment parameters (`sls package|deploy --param name=value`) each service takes, with
// what each accepts. Checked before anything is generated (validate.ts): a value that does not
// fit, or a name no service declares, stops `sls package` with a message naming it.

export interface ParamDeclaration {
  /** What the parameter accepts, in words, for error messages. */
  accepts: string;
  /** Returns an error (what is wrong) or undefined when the value is fine. */
  check(value: string): string | undefined;
}

const wholeNumber = (min: number, max: number): ParamDeclaration => ({
  accepts: `a whole number from ${min} to ${max}, in decimal digits`,
  // Digits only: Number() would take 0x10, 1e1 and ' 8 ' as numbers.
  check: (v) => {
    if (!/^[0-9]+$/.test(v)) return 'not a whole number in decimal digits';
    return Number(v) >= min && Number(v) <= max ? undefined : 'out of range';
  },
});

const oneOf = (values: readonly string[]): ParamDeclaration => ({
  accepts: `one of ${values.join(', ')}`,
  check: (v) => (values.includes(v) ? undefined : 'not allowed'),
});

/** An EC2 instance type's shape: family (letters, generation digit, attributes), a dot, a size. */
export const EC2_TYPE = /^([a-z]+)(\d+)([a-z-]*)\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;

/**
 * NVIDIA GPU families the Deep Learning AMI (x86_64, NVIDIA driver) boots, and the trainer bundle
 * (x86_64 tfjs-node-gpu) runs on. g5g is arm64 (Graviton with T4G GPUs) and g4ad has AMD GPUs:
 * neither runs that image, so both are refused by name.
 */
export const GPU_FAMILIES_X86_NVIDIA = ['g4dn', 'g5', 'g6', 'g6e', 'gr6', 'p3', 'p3dn', 'p4d', 'p4de', 'p5', 'p5e', 'p5en'] as const;

export const gpuInstanceType: ParamDeclaration = {
  accepts: `an x86_64 NVIDIA GPU instance type (families ${GPU_FAMILIES_X86_NVIDIA.join(', ')}; e.g. g4dn.xlarge), which the x86_64 Deep Learning AMI boots`,
  check: (v) => {
    const m = EC2_TYPE.exec(v);
    if (!m) return 'not an EC2 instance type';
    const family = `${m[1]}${m[2]}${m[3]}`;
    if (family === 'g5g') return 'an arm64 (Graviton) GPU type: the Deep Learning AMI and the trainer bundle are x86_64';
    if (family === 'g4ad') return 'an AMD GPU type: the AMI carries the NVIDIA driver';
    return (GPU_FAMILIES_X86_NVIDIA as readonly string[]).includes(family) ? undefined : 'not a GPU instance type';
  },
};

export const anyInstanceType: ParamDeclaration = {
  accepts: 'an EC2 instance type such as c7g.large (Graviton types get the arm64 image, others x86_64)',
  check: (v) => (EC2_TYPE.test(v) ? undefined : 'not an EC2 instance type'),
};

export const CHANNEL_VALUES = ['s3', 'redis', 'memcached', 'dynamodb'] as const;
export const WORKFLOW_VALUES = ['standard', 'express'] as const;
/** Lambda's 4 KB environment holds the worker queue URLs (mlless/resources.ts). */
export const MLLESS_MAX_WORKERS = 32;

/** By framework (custom.mltrain.framework): the parameters its service reads. */
/** What the training functions' memory is sized for (model-memory.ts). */
const MODEL_PARAMS = { model: oneOf(MODEL_KINDS), batchSize: wholeNumber(1, 4096) };

export const SERVICE_PARAMS: Record<string, Record<string, ParamDeclaration>> = {
  allreduce: { channel: oneOf(CHANNEL_VALUES), ...MODEL_PARAMS },
  'scatter-reduce': { channel: oneOf(CHANNEL_VALUES), ...MODEL_PARAMS },
  spirt: { batches: wholeNumber(1, 64), peers: wholeNumber(1, 64), workflow: oneOf(WORKFLOW_VALUES), ...MODEL_PARAMS },
  mlless: { workers: wholeNumber(1, MLLESS_MAX_WORKERS), ...MODEL_PARAMS },
  ps: { psInstanceType: anyInstanceType, ...MODEL_PARAMS },
  gpu: { instanceType: gpuInstanceType },
};
