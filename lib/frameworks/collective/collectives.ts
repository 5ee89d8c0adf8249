import type { CollectivePattern } from '../../comm';

// The LambdaML collectives that share one trigger and one worker loop and differ only in how the
// gradient is averaged through the channel.

export const COLLECTIVES = {
  allreduce: { pattern: 'reduce' },
  'scatter-reduce': { pattern: 'reduceScatter' },
} as const satisfies Record<string, { pattern: CollectivePattern }>;

export type CollectiveFramework = keyof typeof COLLECTIVES;
