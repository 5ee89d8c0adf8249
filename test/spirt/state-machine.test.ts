import { batchesFrom } from '../../plugins/mltrain/src/state-machines';
import { spirtRoundDefinition, taskFunctions } from '../../lib/frameworks/spirt/state-machine';

// The generated round: the chain of states in docs/frameworks/spirt.md, N parallel batches, Retry and Catch on every
// Task, JSONPath only and no secret in any Task's parameters.

type State = Record<string, any>;

function tasks(def: State): [string, State][] {
  const out: [string, State][] = [];
  for (const [name, s] of Object.entries(def.States as Record<string, State>)) {
    if (s.Type === 'Task') out.push([name, s]);
    for (const b of s.Branches ?? []) out.push(...tasks(b));
  }
  return out;
}

test.each([1, 4, 20])('N = %i gives N parallel branches, each computing its own batch', (n) => {
  const def = spirtRoundDefinition(n, (key) => `fn:${key}`) as State;
  expect(def.StartAt).toBe('Authentification');
  const chain = ['Authentification', 'ComputeGradients', 'AverageGradients', 'CheckHeartbeat', 'Aggregation', 'Update', 'CheckConvergence', 'Converged'];
  for (let i = 0; i < chain.length - 1; i++) expect(def.States[chain[i]].Next).toBe(chain[i + 1]);
  expect(def.States.Converged).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.convergence.stop', BooleanEquals: true, Next: 'Done' }], Default: 'trigger_next' });
  const branches = def.States.ComputeGradients.Branches as State[];
  expect(branches).toHaveLength(n);
  branches.forEach((b, i) => expect(b.States[`Batch${i + 1}`]).toMatchObject({ Resource: 'fn:compute_gradients', Parameters: { batch: i }, End: true }));
  expect(Object.keys(taskFunctions(n))).toHaveLength(7 + n);
});

test('every Task retries transient errors and is caught into the failure state; inputs carry no secret', () => {
  const def = spirtRoundDefinition(3, (key) => key) as State;
  for (const [name, t] of tasks(def)) {
    expect(t.Retry?.[0]?.ErrorEquals).toContain('Lambda.ServiceException');
    const caught = name.startsWith('Batch') ? def.States.ComputeGradients.Catch : t.Catch;
    expect(caught).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RoundFailed' }]);
    const params = JSON.stringify(t.Parameters).toLowerCase();
    expect(params).not.toMatch(/password|secret|credential|private/);
  }
  expect(JSON.stringify(def)).not.toMatch(/JSONata|Assign|Arguments/);
  for (const [, t] of tasks(def)) expect(t.QueryLanguage).toBe('JSONPath');
});

test('batches come from --param, then the plugin config, and must be 1..64', () => {
  expect(batchesFrom({ kind: 'spirt-round', batches: 4 }, undefined)).toBe(4);
  expect(batchesFrom({ kind: 'spirt-round', batches: 4 }, ['stage=x', 'batches=20'])).toBe(20);
  expect(() => batchesFrom({ kind: 'spirt-round' }, ['batches=two'])).toThrow('mltrain: batches must be a whole number, got "two" (from --param batches)');
  expect(() => spirtRoundDefinition(65, String)).toThrow('SPIRT state machine: batches must be a whole number from 1 to 64, got 65');
});
