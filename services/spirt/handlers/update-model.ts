import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { updateModel } from '../../../lib/frameworks/spirt/steps/update';

/** State Update: AI.MODELUPDATE inside the peer's database. */
export const handler = spirtHandler('Trigger_update_model', roundEventSchema, updateModel);
