import { injectStateMachine } from '../state-machines';
import type { Feature } from './feature';

// SPIRT's round: generated before serverless-step-functions reads its configuration.
export const stateMachineFeature: Feature = {
  name: 'state machine',
  load(ctx) {
    const config = ctx.written?.stateMachine;
    if (!config) return;
    const machine = injectStateMachine(ctx.serverless, config, ctx.options.param);
    ctx.notice(`${machine.type.toLowerCase()} state machine generated for ${machine.batches} parallel batches`);
  },
};
