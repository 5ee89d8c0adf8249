import { runCollectiveWorker, type WorkerDeps, type WorkerOutcome } from '../collective/worker';
import type { WorkerEvent } from '../collective/events';

// ScatterReduce is the collective worker loop with the ScatterReduce communicator
// (lib/comm/reduce-scatter.ts): the same training, the same mean, other keys and traffic.

export function runScatterReduceWorker(event: WorkerEvent, deps: WorkerDeps): Promise<WorkerOutcome> {
  return runCollectiveWorker('scatter-reduce', event, deps);
}
