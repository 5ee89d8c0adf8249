import { peerEventSchema } from '../../../lib/frameworks/spirt/events';
import { spirtHandler } from '../../../lib/frameworks/spirt/handler';
import { initPeer } from '../../../lib/frameworks/spirt/steps/init-peers';

/** Creates the peer's keys and announces it to the other peers. */
export const handler = spirtHandler('init_peers', peerEventSchema, initPeer);
