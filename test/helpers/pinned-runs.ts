import type { TrainingConfigInput } from '../../lib/frameworks/run/training-config';

// The smallest hand-over-free runs of each framework (2 workers, 1 epoch, few large batches of
// synthetic data) and the paramsDigest each ends with, measured on the code before the issue-16
// restructuring. allreduce, scatter-reduce and ps average the same gradients in the same order.

/**
 * A digest is deterministic per engine, and these were measured on wasm: the runs' functions are
 * told to use it, whatever engine this machine would pick (native where it is built).
 */
export function pinEngine(): () => void {
  const before = process.env.MLTRAIN_TF_BACKEND;
  process.env.MLTRAIN_TF_BACKEND = 'wasm';
  return () => {
    if (before === undefined) delete process.env.MLTRAIN_TF_BACKEND;
    else process.env.MLTRAIN_TF_BACKEND = before;
  };
}

export const PINNED_BASE: TrainingConfigInput = { dataset: 'synthetic', model: 'mlp', workers: 2, epochs: 1, batchSize: 256, seed: 7, syncTimeoutSeconds: 60 };

export const PINNED_SETTINGS: Record<string, TrainingConfigInput> = {
  allreduce: {},
  'scatter-reduce': {},
  ps: {},
  mlless: {},
  spirt: { batches: 1, batchSize: 32 },
  gpu: {},
};

export const PINNED_DIGESTS: Record<string, string> = {
  allreduce: '2bbb257b09605d78ae045cf914d66410bea4ea8deadc2f6d14a552d69e3743fe',
  'scatter-reduce': '2bbb257b09605d78ae045cf914d66410bea4ea8deadc2f6d14a552d69e3743fe',
  ps: '2bbb257b09605d78ae045cf914d66410bea4ea8deadc2f6d14a552d69e3743fe',
  mlless: '2e65607255cdc4a2abb64b85058929481ab5a14b8f189cebf484b45f1795b2e4',
  spirt: 'dcccf3a54ec653bb6112be76c545f4a0f89ef66849beba6da816e2b10fd1aab7',
  gpu: '922f8f4b645defa44a589c662529d3a66a9090b5eef1c5b73e71889f946d7ec3',
};
