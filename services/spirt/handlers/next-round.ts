import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { startNextRound } from '../../../lib/frameworks/spirt/steps/next-round';

/** State trigger_next: cleans up and starts the peer's next round. */
export const handler = spirtHandler('Update_Trigger_Next_epoch', roundEventSchema, startNextRound);
