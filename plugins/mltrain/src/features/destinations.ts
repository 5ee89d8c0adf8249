import { onFailureDestinations } from '../destinations';
import type { Feature } from './feature';

// Failed asynchronous invocations go to the service's runFailed function, which marks the run
// failed at once (lib/frameworks/run/async-failure.ts). Set while the plugin loads, so Serverless
// compiles each function's EventInvokeConfig (DestinationConfig.OnFailure, MaximumRetryAttempts)
// and grants lambda:InvokeFunction on runFailed alone.
export const destinationsFeature: Feature = {
  name: 'destinations',
  load(ctx) {
    const functions = (ctx.serverless.configurationInput as { functions?: Record<string, { maximumRetryAttempts?: unknown }> }).functions ?? {};
    const wiring = onFailureDestinations((ctx.written as { iamStatements?: unknown } | undefined)?.iamStatements, functions);
    for (const [key, destination] of Object.entries(wiring)) {
      ctx.serverless.extendConfiguration(['functions', key, 'destinations'], { onFailure: destination });
    }
    const keys = Object.keys(wiring);
    if (keys.length) ctx.notice(`on-failure destination of ${keys.join(', ')}: ${Object.values(wiring)[0]} (marks the run failed)`);
  },
};
