import { peerEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { initModel } from '../../../lib/frameworks/spirt/steps/init-model';

/** Writes the shared initial model into the peer's database and starts round 1. */
export const handler = spirtHandler('init_model', peerEventSchema, initModel);
