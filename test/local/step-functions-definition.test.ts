import { functionNameOf, taskBindings, withoutLibraryTaskTimeout, type Definition } from '../../lib/local/step-functions/definition';

test('a Task Resource names its function by name or by (partial, qualified) Lambda ARN', () => {
  expect(functionNameOf('spirt-local-worker')).toBe('spirt-local-worker');
  expect(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:spirt-local-worker')).toBe('spirt-local-worker');
  expect(functionNameOf('arn:aws:lambda:eu-west-1:123456789012:function:spirt-local-worker:live')).toBe('spirt-local-worker');
  expect(functionNameOf('123456789012:function:spirt-local-worker')).toBe('spirt-local-worker');
  expect(functionNameOf('arn:aws:states:::sqs:sendMessage')).toBeUndefined();
});

const nested: Definition = {
  StartAt: 'P',
  States: {
    P: {
      Type: 'Parallel', Next: 'M',
      Branches: [{ StartAt: 'A', States: { A: { Type: 'Task', Resource: 'fn-a', End: true } } }],
    },
    M: { Type: 'Map', End: true, ItemProcessor: { StartAt: 'B', States: { B: { Type: 'Task', Resource: 'fn-b', TimeoutSeconds: 5, End: true } } } },
  },
};

test('finds every Task state, inside Parallel branches and Map processors', () => {
  expect(taskBindings(nested, 'm').map((t) => [t.state, t.functionName, t.where])).toEqual([
    ['A', 'fn-a', 'definition.States.P.Branches[0].States.A'],
    ['B', 'fn-b', 'definition.States.M.ItemProcessor.States.B'],
  ]);
});

test('lifts the library\'s 60 s Task limit unless the Task sets its own, without touching the original', () => {
  const patched = withoutLibraryTaskTimeout(nested) as unknown as { States: Record<string, { Branches: Definition[]; ItemProcessor: Definition }> };
  expect(patched.States.P.Branches[0].States.A.TimeoutSeconds).toBe(2_000_000);
  expect(patched.States.M.ItemProcessor.States.B.TimeoutSeconds).toBe(5);
  expect((nested.States.P as { Branches: Definition[] }).Branches[0].States.A.TimeoutSeconds).toBeUndefined();
});
