import type { WorkerReport } from '../run/reports';
import type { UpdateStats } from './checkpoint';
import type { StopReason } from './stop-rule';

// What MLLESS adds to the reports every framework leaves in the bucket.

/** Written by every worker when the supervisor tells it to stop. */
export interface MllessWorkerReport extends WorkerReport {
  numParams: number;
  /** The last step it applied. */
  steps: number;
  /** What it stored in Redis: updates, entries and bytes. */
  updates: UpdateStats;
}

/** The `details` of an MLLESS run's done.json (and so of its results file). */
export interface MllessRunDetails {
  variant: 'significant' | 'all';
  threshold: number;
  stopReason: StopReason;
  stop: string;
  steps: number;
  stepsPerEpoch: number;
  updates: UpdateStats & {
    /** What sending every update in full (dense float32, as `all` does) would have taken. */
    denseBytes: number;
    /** updates.bytes / denseBytes. */
    fractionOfDense: number;
  };
  /** One line for the terminal's summary. */
  summary: string;
  /** Global training loss per step, as the supervisor recorded it. */
  lossHistory: number[];
}
