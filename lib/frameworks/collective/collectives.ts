import type { CollectivePattern } from '../../comm';

// The LambdaML collectives that share one trigger and one worker loop and differ only in how the
// gradient is averaged through the channel.

export const COLLECTIVES = {
  allreduce: { framework: 'allreduce', pattern: 'reduce' },
  'scatter-reduce': { framework: 'scatter-reduce', pattern: 'reduceScatter' },
} as const satisfies Record<string, { framework: string; pattern: CollectivePattern }>;

export type CollectiveFramework = keyof typeof COLLECTIVES;
