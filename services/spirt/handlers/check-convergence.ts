import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { checkConvergence, preloadCheckConvergence } from '../../../lib/frameworks/spirt/steps/convergence';

/** State CheckConvergence: validation, early stopping, epoch figures; says whether to stop. */
export const handler = spirtHandler('check-convergence', roundEventSchema, checkConvergence, preloadCheckConvergence);
