import { chunkBounds } from './chunks';
import { ChunkedCollective, type ChunkPlan, type CollectiveOptions } from './collective';

// LambdaML's ScatterReduce: the gradient is cut into N contiguous chunks (chunks.ts), worker r
// owns chunk r. Every worker writes chunk i for its owner i; each owner averages its N chunks
// and writes the merged chunk; every worker reads the N−1 merged chunks it does not own. Each
// worker moves about 2(N−1)/N gradients per step instead of worker 0 moving 2(N−1).

export const reduceScatterPlan: ChunkPlan = {
  chunks: (length, numWorkers) => chunkBounds(length, numWorkers).map((b) => ({ ...b, owner: b.index })),
  sentKey: (stepPrefix, index, sender) => `${stepPrefix}chunk-${index}-from-${sender}.f32`,
  mergedKey: (stepPrefix, index) => `${stepPrefix}merged-${index}.f32`,
  describeMerged: (step, chunk) => `the merged chunk ${chunk.index} of ${step} from worker ${chunk.owner}`,
};

export class ReduceScatterCommunicator extends ChunkedCollective {
  constructor(opts: CollectiveOptions) {
    super(opts, reduceScatterPlan);
  }
}
