import type { z } from 'zod';
import { lambdaHandler } from '../../functions/handler';
import type { WarmUpSpec } from '../../functions/warm-up';
import { assertRunOpened } from '../run/run-record';
import { createSpirtDeps, type SpirtDeps } from './deps';
import { warmUpEventSchema, type WarmUpEvent } from './events';
import { isRoundFunction, warmPeerConnection } from './warm-up';

/** What a computing step's warm-up loads besides the connection (its data and model). */
export type Preload = (event: WarmUpEvent, deps: SpirtDeps) => Promise<void>;

// Every SPIRT handler is the same: validate the event, build the clients, run the step. Every
// function but the trigger belongs to an opened run, checked before the step writes anything.
// The round's functions also answer init_peers' warm-up (warm-up.ts).

export function spirtHandler<S extends z.ZodType, R>(functionKey: string, schema: S, step: (event: z.output<S>, deps: SpirtDeps) => Promise<R>, preload?: Preload) {
  return lambdaHandler({
    what: `${functionKey} event`, schema, deps: (_event, context) => createSpirtDeps(functionKey, context), run: step,
    ...(functionKey === 'trigger' ? {} : { runBucket: (deps: SpirtDeps) => deps.store }),
    ...(isRoundFunction(functionKey) ? { warmUp: roundWarmUp(functionKey, preload) } : {}),
  });
}

function roundWarmUp(functionKey: string, preload?: Preload): WarmUpSpec<typeof warmUpEventSchema> {
  return {
    schema: warmUpEventSchema,
    async run(event, context) {
      const deps = createSpirtDeps(functionKey, context);
      await assertRunOpened(deps.store, event);
      await warmPeerConnection(event, deps);
      await preload?.(event, deps);
    },
  };
}
