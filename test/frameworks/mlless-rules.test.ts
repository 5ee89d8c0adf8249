import { toTrainingConfig } from '../../lib/cli/options';
import { updateKeyRank, mllessKeys } from '../../lib/frameworks/mlless/keys';
import { toSupervisorSchema, toWorkerSchema } from '../../lib/frameworks/mlless/messages';
import { describeStop, judgeStep, type StopRule } from '../../lib/frameworks/mlless/stop-rule';

// The supervisor's stop rule, MLLESS's options and message schemas, without any server.

const rule: StopRule = { totalSteps: 100, targetLoss: 0.5, patience: 3, maxSeconds: 0 };

test('stops after `patience` consecutive steps under the target loss, and a step above resets the count', () => {
  let under = 0;
  const verdicts = [0.4, 0.45, 0.6, 0.3, 0.2, 0.1].map((loss, i) => {
    const v = judgeStep(rule, i + 1, loss, under, 1);
    under = v.underTarget;
    return v;
  });
  expect(verdicts.map((v) => v.underTarget)).toEqual([1, 2, 0, 1, 2, 3]);
  expect(verdicts.map((v) => v.stop)).toEqual([false, false, false, false, false, true]);
  expect(verdicts[5].reason).toBe('target-loss');
  expect(describeStop('target-loss', rule)).toBe('training loss below 0.5 for 3 consecutive steps');
});

test('the step and time budgets stop the run; a target loss of 0 never does', () => {
  const off = { ...rule, targetLoss: 0 };
  expect(judgeStep(off, 99, 0, 0, 1)).toEqual({ stop: false, underTarget: 0 });
  expect(judgeStep(off, 100, 0, 0, 1)).toEqual({ stop: true, reason: 'epochs', underTarget: 0 });
  expect(judgeStep({ ...off, maxSeconds: 30 }, 5, 1, 0, 29.9).stop).toBe(false);
  expect(judgeStep({ ...off, maxSeconds: 30 }, 5, 1, 0, 30)).toEqual({ stop: true, reason: 'time', underTarget: 0 });
});

test('MLLESS options get their defaults and are checked, naming the flag', () => {
  expect(toTrainingConfig({}, 'mlless')).toMatchObject({ variant: 'significant', targetLoss: 0, patience: 10, maxSeconds: 0 });
  expect(toTrainingConfig({ variant: 'all', threshold: 0.3, targetLoss: 0.1, patience: 5 }, 'mlless')).toMatchObject({ variant: 'all', threshold: 0.3, targetLoss: 0.1, patience: 5 });
  expect(() => toTrainingConfig({ threshold: -1 }, 'mlless')).toThrow('--threshold: Too small: expected number to be >=0');
  expect(() => toTrainingConfig({ patience: 0 }, 'mlless')).toThrow('--patience: Too small');
  expect(() => toTrainingConfig({ variant: 'some' }, 'mlless')).toThrow('--variant: Invalid option: expected one of "significant"|"all"');
  expect(() => toTrainingConfig({ targetLoss: 0.1 }, 'allreduce')).toThrow('--target-loss does not apply to allreduce (only to spirt, mlless)');
  expect(() => toTrainingConfig({ targetAccuracy: 0.9 }, 'mlless')).toThrow('--target-accuracy does not apply to mlless (only to spirt)');
  expect(toTrainingConfig({ targetAccuracy: 0.9, patience: 3 }, 'spirt')).toMatchObject({ targetAccuracy: 0.9, targetLoss: 0, patience: 3 });
  expect(() => toTrainingConfig({ targetAccuracy: 1.5 }, 'spirt')).toThrow('--target-accuracy: Too big');
});

test('update keys name run, step and worker, and only the right ones are accepted back', () => {
  const key = mllessKeys('run-1').update(12, 3);
  expect(key).toBe('mlless:run-1:u:12:3');
  expect(updateKeyRank(key, 'run-1', 12)).toBe(3);
  expect(updateKeyRank(key, 'run-1', 13)).toBeUndefined();
  expect(updateKeyRank(key, 'run-2', 12)).toBeUndefined();
  expect(updateKeyRank('mlless:run-1:u:12:3x', 'run-1', 12)).toBeUndefined();
});

test('queue messages are checked strictly: kind, run id, numbers, nothing extra', () => {
  const report = { kind: 'step', runId: 'run-1', rank: 0, step: 1, loss: 0.5, samples: 64, updateKey: null, updateEntries: 0, updateBytes: 0 };
  expect(toSupervisorSchema.safeParse(report).success).toBe(true);
  expect(toSupervisorSchema.safeParse({ ...report, loss: -1 }).success).toBe(false);
  expect(toSupervisorSchema.safeParse({ ...report, step: 0 }).success).toBe(false);
  expect(toSupervisorSchema.safeParse({ ...report, extra: 1 }).success).toBe(false);
  expect(toSupervisorSchema.safeParse({ ...report, runId: 'Run 1' }).success).toBe(false);
  expect(toWorkerSchema.safeParse({ kind: 'decision', runId: 'run-1', step: 1, updateKeys: [], stop: false }).success).toBe(true);
  expect(toWorkerSchema.safeParse({ kind: 'finish', runId: 'run-1' }).success).toBe(false);
});
