import { validateParams } from '../params/validate';
import type { Feature } from './feature';

// Every --param (and serverless.yml params block) is checked before anything is generated.
export const paramsFeature: Feature = {
  name: 'params',
  load(ctx) {
    try {
      validateParams({ framework: ctx.written?.framework ?? 'unknown', cli: ctx.options.param, config: ctx.serverless.configurationInput.params, stage: ctx.options.stage });
    } catch (err) {
      // Serverless's own error class: printed as a message, without a stack trace.
      throw new ctx.serverless.classes.Error((err as Error).message, 'MLTRAIN_INVALID_PARAM');
    }
  },
};
