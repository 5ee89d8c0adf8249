import { startCollectiveRun, type RunStarted, type TriggerDeps } from '../collective/trigger';
import type { TriggerEvent } from '../collective/events';

export type { RunStarted, TriggerDeps } from '../collective/trigger';

export function startAllReduceRun(event: TriggerEvent, deps: TriggerDeps): Promise<RunStarted> {
  return startCollectiveRun('allreduce', event, deps);
}
