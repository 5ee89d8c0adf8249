import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { aggregatePeers } from '../../../lib/frameworks/spirt/steps/aggregation';

/** State Aggregation: mean / median / trimmed mean over the active trusted peers. */
export const handler = spirtHandler('Aggregation', roundEventSchema, aggregatePeers);
