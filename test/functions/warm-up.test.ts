import { z } from 'zod';
import { lambdaHandler } from '../../lib/functions/handler';
import { isWarmUpEvent } from '../../lib/functions/warm-up';
import { asyncInvokedFunctions, onFailureDestinations } from '../../plugins/mltrain/src/destinations';

// A warm-up event starts a function's sandbox and loads what its first invocation needs, without
// running its step; a function that has no warm-up refuses one, and a bad one is refused by name.

const context = { invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:svc-dev-step', getRemainingTimeInMillis: () => 60_000 };

function recordingHandler(withWarmUp: boolean) {
  const calls: string[] = [];
  const handler = lambdaHandler({
    what: 'step event',
    schema: z.object({ runId: z.string(), peer: z.number().int() }).strict(),
    deps: () => ({ calls }),
    run: async (event) => { calls.push(`run ${event.peer}`); return { ran: event.peer }; },
    ...(withWarmUp ? {
      warmUp: {
        schema: z.object({ runId: z.string(), peer: z.number().int().min(0), warmUp: z.literal(true) }).strict(),
        async run(event: { peer: number }) { calls.push(`warm ${event.peer}`); },
      },
    } : {}),
  });
  return { handler, calls };
}

test('a warm-up event runs the warm-up, not the step, and says so', async () => {
  const { handler, calls } = recordingHandler(true);
  expect(await handler({ runId: 'r', peer: 2, warmUp: true }, context)).toEqual({ warmedUp: 'step event' });
  expect(await handler({ runId: 'r', peer: 1 }, context)).toEqual({ ran: 1 });
  expect(calls).toEqual(['warm 2', 'run 1']);
});

test('a bad warm-up event is refused, naming the field, before anything loads', async () => {
  const { handler, calls } = recordingHandler(true);
  await expect(handler({ runId: 'r', warmUp: true }, context)).rejects.toThrow('invalid step event (warm-up): peer:');
  await expect(handler({ runId: 'r', peer: 0, warmUp: false }, context)).rejects.toThrow('invalid step event (warm-up): warmUp:');
  expect(calls).toEqual([]);
});

test('a function without a warm-up refuses a warm-up event', async () => {
  const { handler, calls } = recordingHandler(false);
  await expect(handler({ runId: 'r', peer: 0, warmUp: true }, context)).rejects.toThrow('invalid step event: a warm-up event, but this function has no warm-up');
  expect(calls).toEqual([]);
});

test('isWarmUpEvent looks for the warmUp field on an object only', () => {
  expect(isWarmUpEvent({ warmUp: true })).toBe(true);
  expect(isWarmUpEvent({ runId: 'r' })).toBe(false);
  expect(isWarmUpEvent(null)).toBe(false);
  expect(isWarmUpEvent(['warmUp'])).toBe(false);
});

test('functions named in a SynchronousInvocations statement are not counted as asynchronously invoked', () => {
  const arn = (fn: string) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:svc-dev-${fn}` });
  const statements = [
    { Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arn('init')] },
    { Sid: 'SynchronousInvocations', Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: [arn('compute')] },
  ];
  expect(asyncInvokedFunctions(statements, ['init', 'compute', 'runFailed'])).toEqual(['init']);
  expect(onFailureDestinations(statements, { init: { maximumRetryAttempts: 0 }, compute: {}, runFailed: {} })).toEqual({ init: 'runFailed' });
});
