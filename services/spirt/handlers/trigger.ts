import { triggerEventSchema } from '../../../lib/frameworks/run/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { startSpirtRun } from '../../../lib/frameworks/spirt/steps/trigger';

/** sls invoke -f trigger: starts a run (every peer); returns its runId. */
export const handler = spirtHandler('trigger', triggerEventSchema, startSpirtRun);
