import { ChunkedCollective, type Chunk, type ChunkPlan, type CollectiveOptions } from './collective';

// LambdaML's AllReduce over a storage channel: every worker writes its gradient, worker 0 gathers
// all N, writes the mean, and everyone reads it back. Worker 0 keeps its own gradient in memory.
// It is the collective of collective.ts with one chunk, the whole gradient, owned by worker 0.

export { BadGradientError, MissingWorkerError, OutOfTimeError, type CollectiveOptions } from './collective';

export const allReduceKeys = (prefix: string, step: string) => ({
  gradient: (rank: number) => `${prefix}${step}/grad-${rank}.f32`,
  merged: `${prefix}${step}/merged.f32`,
});

export const allReducePlan: ChunkPlan = {
  chunks: (length: number): Chunk[] => [{ index: 0, start: 0, end: length, owner: 0 }],
  sentKey: (stepPrefix, _index, sender) => `${stepPrefix}grad-${sender}.f32`,
  mergedKey: (stepPrefix) => `${stepPrefix}merged.f32`,
  describeMerged: (step) => `the merged gradient of ${step} from worker 0`,
};

export class AllReduceCommunicator extends ChunkedCollective {
  constructor(opts: CollectiveOptions) {
    super(opts, allReducePlan);
  }
}
