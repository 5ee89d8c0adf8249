import { runCollectiveWorker, type WorkerDeps, type WorkerOutcome } from '../collective/worker';
import type { WorkerEvent } from '../collective/events';

// AllReduce is the collective worker loop with the AllReduce communicator (lib/comm/allreduce.ts).

export { optimizerConfig, type WorkerDeps, type WorkerOutcome } from '../collective/worker';

export function runAllReduceWorker(event: WorkerEvent, deps: WorkerDeps): Promise<WorkerOutcome> {
  return runCollectiveWorker('allreduce', event, deps);
}
