// The supervisor's stop rule (MLLESS): stop when the global training loss has stayed below the
// target for `patience` consecutive steps, or when the step budget (epochs) or the time budget is
// used up. It is consulted once per step, after every worker has reported, and its answer goes to
// every worker with that step's updates, so a stop never leaves anyone waiting (the reference
// sent nothing on a below-threshold step and deadlocked).

export interface StopRule {
  /** epochs × steps per epoch. */
  totalSteps: number;
  /** 0 disables the loss criterion. */
  targetLoss: number;
  patience: number;
  /** 0 disables the time budget. */
  maxSeconds: number;
}

export type StopReason = 'target-loss' | 'epochs' | 'time';

export interface StopVerdict {
  stop: boolean;
  reason?: StopReason;
  /** Consecutive steps under the target so far, including this one. */
  underTarget: number;
}

export function judgeStep(rule: StopRule, step: number, loss: number, underTargetBefore: number, elapsedSeconds: number): StopVerdict {
  const underTarget = rule.targetLoss > 0 && loss < rule.targetLoss ? underTargetBefore + 1 : 0;
  if (rule.targetLoss > 0 && underTarget >= rule.patience) return { stop: true, reason: 'target-loss', underTarget };
  if (step >= rule.totalSteps) return { stop: true, reason: 'epochs', underTarget };
  if (rule.maxSeconds > 0 && elapsedSeconds >= rule.maxSeconds) return { stop: true, reason: 'time', underTarget };
  return { stop: false, underTarget };
}

export function describeStop(reason: StopReason, rule: StopRule): string {
  switch (reason) {
    case 'target-loss':
      return `training loss below ${rule.targetLoss} for ${rule.patience} consecutive steps`;
    case 'epochs':
      return `all ${rule.totalSteps} steps of the configured epochs done`;
    case 'time':
      return `time budget of ${rule.maxSeconds} s used up`;
  }
}
