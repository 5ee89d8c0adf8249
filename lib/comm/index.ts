import { AllReduceCommunicator } from './allreduce';
import type { CollectiveOptions, GradientCommunicator } from './collective';
import { ReduceScatterCommunicator } from './reduce-scatter';

// The communicators of LambdaML over any ObjectStore: reduce (AllReduce), reduceScatter
// (ScatterReduce) and async (asynchronous SGD on a shared model, async.ts).

export { AllReduceCommunicator, allReduceKeys } from './allreduce';
export { AsyncCommunicator, type AsyncOptions } from './async';
export { chunkBounds } from './chunks';
export {
  BadGradientError, MissingWorkerError, OutOfTimeError,
  type CollectiveOptions, type CommunicatorState, type GradientCommunicator,
} from './collective';
export { ReduceScatterCommunicator } from './reduce-scatter';

export type CollectivePattern = 'reduce' | 'reduceScatter';

export function createCommunicator(pattern: CollectivePattern, opts: CollectiveOptions): GradientCommunicator {
  return pattern === 'reduce' ? new AllReduceCommunicator(opts) : new ReduceScatterCommunicator(opts);
}
