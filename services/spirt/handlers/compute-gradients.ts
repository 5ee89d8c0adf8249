import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { computeGradients, preloadComputeGradients } from '../../../lib/frameworks/spirt/steps/compute-gradients';

/** State BatchN: one minibatch's gradient into the peer's database. */
export const handler = spirtHandler('compute_gradients', roundEventSchema, computeGradients, preloadComputeGradients);
