import { roundEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { authenticate } from '../../../lib/frameworks/spirt/steps/auth';

/** State Authentification: admits announced peers, exchanges encrypted credentials. */
export const handler = spirtHandler('auth', roundEventSchema, authenticate);
