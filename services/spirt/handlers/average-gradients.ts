import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { averageAndSync } from '../../../lib/frameworks/spirt/steps/average';

/** State AverageGradients: in-database mean of the batch gradients, then the round barrier. */
export const handler = spirtHandler('Trigger_Average_Gradient_sync', roundEventSchema, averageAndSync);
