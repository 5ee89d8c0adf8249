// Lambda stops a function at its time limit. A long training loop hands over to a fresh invocation
// of itself before that, keeping in reserve about three typical steps plus the checkpoint's write.
// "Typical" is a moving average: a step that waited for a peer's cold start must not inflate the
// reserve, or every invocation after a hand-over would hand over again after one step. The
// reserve never exceeds half the invocation's time, and every invocation takes at least one step.

const SMOOTHING = 0.2;

export class TimeBudget {
  private readonly initialMs: number;
  private typicalStepMs = 0;
  private stepsTaken = 0;

  constructor(private readonly remainingMs: () => number, private readonly checkpointMs = 1000) {
    this.initialMs = remainingMs();
  }

  recordStep(ms: number): void {
    this.typicalStepMs = this.stepsTaken === 0 ? ms : (1 - SMOOTHING) * this.typicalStepMs + SMOOTHING * ms;
    this.stepsTaken += 1;
  }

  reserveMs(): number {
    const wanted = Math.max(0.1 * this.initialMs, 3 * this.typicalStepMs + this.checkpointMs);
    return Math.min(wanted, 0.5 * this.initialMs);
  }

  /** Time a hand-over needs: writing the checkpoint and invoking the successor, with a margin. */
  handOverCostMs(): number {
    return this.checkpointMs + 500;
  }

  shouldHandOver(): boolean {
    return this.stepsTaken > 0 && this.remainingMs() < this.reserveMs();
  }
}
