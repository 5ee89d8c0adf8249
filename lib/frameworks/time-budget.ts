// Lambda stops a function at its time limit. A long training loop hands over to a fresh invocation
// of itself before that: it keeps a reserve of time large enough for the slowest step seen so far
// plus writing the checkpoint, and always makes progress (at least one step per invocation).

export class TimeBudget {
  private readonly initialMs: number;
  private slowestStepMs = 0;
  private stepsTaken = 0;

  constructor(private readonly remainingMs: () => number, private readonly checkpointMs = 1000) {
    this.initialMs = remainingMs();
  }

  recordStep(ms: number): void {
    this.stepsTaken += 1;
    this.slowestStepMs = Math.max(this.slowestStepMs, ms);
  }

  reserveMs(): number {
    return Math.max(0.1 * this.initialMs, 3 * this.slowestStepMs + this.checkpointMs);
  }

  shouldHandOver(): boolean {
    return this.stepsTaken > 0 && this.remainingMs() < this.reserveMs();
  }
}
