// How much memory a training function needs for the papers' models (--param model=<kind>,
// --param batchSize=<rows per step>). A step's peak rss on wasm grows linearly with the batch:
// peak ≈ baseMB + perRowMB × batch, fitted to one gradient step measured at batch 16 and 64
// (docs/aws.md: 32×32×3 inputs, 2026-12-03). The small models keep the sizes serverless.yml gives.

export const PAPER_MODEL_PEAKS: Record<string, { baseMB: number; perRowMB: number }> = {
  'mobilenetv3-small': { baseMB: 251, perRowMB: 2.67 }, // 294 MB at 16, 422 MB at 64
  mobilenet: { baseMB: 287, perRowMB: 30.2 }, // 770 MB at 16, 2,220 MB at 64
  resnet18: { baseMB: 439, perRowMB: 49.1 }, // 1,224 MB at 16, 3,580 MB at 64
};

/** Lambda's largest function. */
export const LAMBDA_MAX_MB = 10_240;
/** wasm32 addresses 4 GiB: the tfjs wasm heap cannot grow past it. */
export const WASM_HEAP_MB = 4_096;
/** What a paper model's function gets at least: Lambda's long-standing ceiling, 2 vCPUs. */
export const PAPER_MODEL_MIN_MB = 3_008;
/** Headroom over the measured peak: the shard, the test set and the collectives' buffers. */
const HEADROOM = 1.25;
export const DEFAULT_BATCH_SIZE = 64;

/** The functions that hold a model and compute with it, by framework. */
export const TRAINING_FUNCTIONS: Record<string, readonly string[]> = {
  allreduce: ['worker'],
  'scatter-reduce': ['worker'],
  ps: ['worker'],
  mlless: ['worker'],
  spirt: ['init_model', 'compute_gradients', 'Aggregation', 'check-convergence'],
};

export function estimatedPeakMB(model: string, batchSize: number): number | undefined {
  const peak = PAPER_MODEL_PEAKS[model];
  return peak && Math.ceil(peak.baseMB + peak.perRowMB * batchSize);
}

/**
 * The training functions' memory for a model at a batch size: undefined for the small models
 * (serverless.yml's sizes stand). Throws, naming the limit, when the step cannot fit.
 */
export function trainingMemoryMB(model: string, batchSize = DEFAULT_BATCH_SIZE): number | undefined {
  const peak = estimatedPeakMB(model, batchSize);
  if (peak === undefined) return undefined;
  if (peak > WASM_HEAP_MB) {
    throw new Error(`model ${model} at batch ${batchSize} needs about ${peak} MB per step, more than wasm's ${WASM_HEAP_MB} MB (4 GiB) heap: use a smaller batchSize`);
  }
  const memory = Math.max(PAPER_MODEL_MIN_MB, Math.ceil(peak * HEADROOM));
  if (memory > LAMBDA_MAX_MB) {
    throw new Error(`model ${model} at batch ${batchSize} needs ${memory} MB, more than Lambda's ${LAMBDA_MAX_MB} MB: use a smaller batchSize`);
  }
  return memory;
}
