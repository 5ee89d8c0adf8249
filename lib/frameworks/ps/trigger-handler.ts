import { lambdaHandler } from '../../functions/handler';
import { triggerEventSchema } from '../run/events';
import { psDeps } from './function-deps';
import { startPsRun } from './trigger';

// The ps service's trigger function (its own file: the trigger's bundle needs no tfjs).

export const psTriggerHandler = lambdaHandler({
  what: 'trigger event',
  schema: triggerEventSchema,
  deps: () => psDeps('trigger'),
  run: startPsRun,
  close: (deps) => deps.ps.close(),
});
