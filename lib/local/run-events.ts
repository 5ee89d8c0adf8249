import type { EpochResult } from '../metrics/results';

// What a local run tells its listener as it goes (`mltrain run` prints a line for each).

export type LocalRunEvent =
  /** What the run is doing now, while nothing else is heard of it (servers, data, bundles, cold starts). */
  | { type: 'progress'; message: string }
  | { type: 'runtime-started'; runId: string; runDir: string }
  | { type: 'peer-databases'; pids: number[] }
  | { type: 'data-ready'; manifestKey: string; reused: boolean; seconds: number }
  | { type: 'run-started'; runId: string; workers: number }
  | { type: 'epoch'; epoch: number; epochs: number; result: EpochResult };
