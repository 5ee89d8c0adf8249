import { startCollectiveRun, type RunStarted, type TriggerDeps } from '../collective/trigger';
import type { TriggerEvent } from '../collective/events';

export function startScatterReduceRun(event: TriggerEvent, deps: TriggerDeps): Promise<RunStarted> {
  return startCollectiveRun('scatter-reduce', event, deps);
}
