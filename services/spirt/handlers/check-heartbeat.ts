import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { checkHeartbeat } from '../../../lib/frameworks/spirt/steps/heartbeat';

/** State CheckHeartbeat: deactivates unreachable peers, re-activates returning ones. */
export const handler = spirtHandler('check_heartbeat', roundEventSchema, checkHeartbeat);
