import type { TriggerEvent } from '../../run/events';
import { triggerOnce } from '../../run/open-run';
import { InvalidInputError } from '../../run/training-config';
import type { SpirtDeps } from '../deps';
import type { PeerEvent, SpirtConfig } from '../events';

export interface SpirtRunStarted {
  runId: string;
  peers: number;
  batches: number;
  manifestKey: string;
  config: SpirtConfig;
}

/** Checks the dataset, records the run, creates its queues and starts every peer's init_peers (once per run and configuration). */
export function startSpirtRun(event: TriggerEvent, deps: SpirtDeps): Promise<SpirtRunStarted> {
  return triggerOnce<SpirtConfig, SpirtRunStarted>('spirt', event, deps, {
    validate: (c) => refuseUndeployedBatches(c.batches, deps.deployedBatches),
  }, async ({ runId, manifestKey, config }) => {
    await deps.queues(runId).create(config.workers);
    await Promise.all(Array.from({ length: config.workers }, (_, peer) => {
      const peerEvent: PeerEvent = { runId, peer, config, manifestKey };
      return deps.invoker.invokeAsync(deps.functionName('init_peers'), peerEvent);
    }));
    deps.log.info('run started', { runId, peers: config.workers, batches: config.batches, aggregation: config.aggregation, attack: config.attack, inDb: config.inDb });
    return { runId, peers: config.workers, batches: config.batches, manifestKey, config };
  });
}

/** Each round runs the deployed state machine, whose Parallel state has a fixed number of branches. */
function refuseUndeployedBatches(batches: number, deployed: number | undefined): void {
  if (deployed === undefined || batches === deployed) return;
  throw new InvalidInputError(
    `invalid trigger event config: batches ${batches} does not match the deployed round state machine, generated for ${deployed} parallel batches ` +
    `(run with batches ${deployed}, or deploy again with --param batches=${batches})`,
  );
}
