import type { EpochProgress, EpochSummary, RunDone } from '../frameworks/run/reports';
import { estimateCost, type CostEstimate, type StepFunctionsUsage } from './cost';
import { deployedForRun } from './deployment';
import { addTraffic, emptyTraffic, subtractTraffic, type RequestKind, type TrafficSnapshot } from './traffic';

// The results file every run writes (docs/results.md), built from what the run left
// in its bucket and what the runtime measured about the invocations.

export interface EpochResult {
  epoch: number;
  seconds: number;
  trainLoss: number;
  testLoss: number;
  testAccuracy: number;
  /** Means over the workers of the time each spent computing, synchronising and updating. */
  computeSeconds: number;
  syncSeconds: number;
  updateSeconds: number;
  /** Mean over the workers of the steps each took (one minibatch each; SPIRT syncs once per --batches of them). */
  steps: number;
  bytesWritten: number;
  bytesRead: number;
  /** The bytes above per store that moved any, so a step's traffic can be split by channel. */
  bytesByStore: Partial<Record<RequestKind, { written: number; read: number }>>;
}

export interface InvocationUsage {
  functionKey: string;
  memoryMb: number;
  /** From the request to the end, a cold start's init phase included. */
  seconds: number;
  /** The init phase of a cold start (its process loading the handler); 0 when warm. */
  initSeconds: number;
}

export interface RunResults {
  runId: string;
  framework: string;
  config: Record<string, unknown>;
  backend: string;
  startedAt: string;
  wallSeconds: number;
  epochs: EpochResult[];
  final: { testAccuracy: number; testLoss: number; paramsDigest: string; numParams: number };
  traffic: TrafficSnapshot;
  invocations: { count: number; byFunction: Record<string, { count: number; seconds: number; initSeconds: number; memoryMb: number }> };
  cost: CostEstimate;
  /** SPIRT: per-round time of averaging, aggregation and update, in the database or in the function. */
  roundSteps?: RoundStepTimings;
  /** Framework-specific figures (MLLESS: stop reason, update bytes, loss history). */
  details?: Record<string, unknown>;
  /** The GPU baseline: whether it trained on a GPU, and if not, on what (its time is then not a GPU's). */
  accelerator?: AcceleratorNote;
}

export interface AcceleratorNote {
  gpu: boolean;
  backend: string;
  /** Shown beside the row wherever the run is presented. */
  label: string;
  note: string;
}

export interface RoundStepTimings {
  /** true: tensor-module commands; false: fetched, computed in the function and written back. */
  inDatabase: boolean;
  rounds: number;
  /** Means over the rounds of peer 0 (or the first peer that reported), in milliseconds. */
  meanMs: { average: number; aggregate: number; update: number; total: number };
  perRound: { round: number; epoch: number; averageMs: number; aggregateMs: number; updateMs: number; peers: number[] }[];
}

export interface RunArtifacts {
  runId: string;
  framework: string;
  config: Record<string, unknown>;
  startedAt: Date;
  wallSeconds: number;
  summaries: EpochSummary[];
  /** progress[epoch - 1] holds one entry per worker. */
  progress: EpochProgress[][];
  done: RunDone;
  invocations: InvocationUsage[];
  /** Step Functions executions (local or AWS) and their workflow type, for SPIRT. */
  stepFunctions?: StepFunctionsUsage;
}

export function buildResults(a: RunArtifacts): RunResults {
  const epochs = a.summaries.map((summary, i) => epochResult(summary, a.progress[i], i > 0 ? a.progress[i - 1] : undefined));
  const last = a.summaries[a.summaries.length - 1];
  const traffic = a.done.reports.reduce((sum, r) => addTraffic(sum, r.traffic), a.done.coordinatorTraffic ?? emptyTraffic());
  traffic.requests.lambdaInvocations = a.invocations.length;
  if (a.stepFunctions) traffic.requests.stateTransitions = a.stepFunctions.transitions;
  const byFunction: RunResults['invocations']['byFunction'] = {};
  for (const inv of a.invocations) {
    const f = (byFunction[inv.functionKey] ??= { count: 0, seconds: 0, initSeconds: 0, memoryMb: inv.memoryMb });
    f.count += 1;
    f.seconds += inv.seconds;
    f.initSeconds += inv.initSeconds;
  }
  const backend = [...new Set(a.done.reports.map((r) => r.backend))].join(', ');
  return {
    runId: a.runId,
    framework: a.framework,
    config: a.config,
    backend,
    startedAt: a.startedAt.toISOString(),
    wallSeconds: a.wallSeconds,
    epochs,
    final: { testAccuracy: last?.testAccuracy ?? NaN, testLoss: last?.testLoss ?? NaN, paramsDigest: a.done.paramsDigest, numParams: a.done.numParams },
    traffic,
    invocations: { count: a.invocations.length, byFunction },
    cost: estimateCost({ invocations: a.invocations, traffic, wallSeconds: a.wallSeconds, deployed: deployedForRun(a.framework, a.config), stepFunctions: a.stepFunctions }),
    ...roundStepTimings(a.done),
    ...(a.done.details ? { details: a.done.details } : {}),
    ...acceleratorNote(a.framework, backend),
  };
}

// tfjs-node-gpu registers a backend named "tensorflow" too; only a name that says GPU counts as one,
// so a CPU run is never presented as a GPU's.
const GPU_BACKEND = /gpu|cuda/i;

/** For the GPU baseline: what actually trained it. */
export function acceleratorNote(framework: string, backend: string): { accelerator?: AcceleratorNote } {
  if (framework !== 'gpu') return {};
  if (GPU_BACKEND.test(backend)) return { accelerator: { gpu: true, backend, label: `GPU (${backend})`, note: `trained on a GPU (${backend})` } };
  return {
    accelerator: {
      gpu: false, backend, label: `no GPU: ${backend} on CPU`,
      note: `trained on this machine's CPU with the ${backend} backend, not on a GPU: its time is a CPU's, and its cost prices that time as GPU-instance time`,
    },
  };
}

type ReportWithRounds = RunDone['reports'][number] & { inDb?: boolean; rounds?: RoundStepTimings['perRound'] };

function roundStepTimings(done: RunDone): { roundSteps?: RoundStepTimings } {
  const reports = done.reports as ReportWithRounds[];
  const first = reports.find((r) => r.rank === 0 && r.rounds) ?? reports.find((r) => r.rounds);
  if (!first?.rounds?.length) return {};
  const rounds = first.rounds;
  const mean = (f: (r: (typeof rounds)[number]) => number) => rounds.reduce((s, r) => s + f(r), 0) / rounds.length;
  const meanMs = { average: mean((r) => r.averageMs), aggregate: mean((r) => r.aggregateMs), update: mean((r) => r.updateMs), total: 0 };
  meanMs.total = meanMs.average + meanMs.aggregate + meanMs.update;
  return { roundSteps: { inDatabase: first.inDb ?? true, rounds: rounds.length, meanMs, perRound: rounds } };
}

/** One epoch's row: worker 0's evaluation, the workers' mean timings and the bytes they moved in it. */
export function epochResult(summary: EpochSummary, progress: EpochProgress[], previous: EpochProgress[] | undefined): EpochResult {
  const mean = (f: (p: EpochProgress) => number) => progress.reduce((s, p) => s + f(p), 0) / progress.length;
  const moved = progress.reduce((sum, p) => {
    const before = previous?.find((q) => q.rank === p.rank)?.traffic ?? emptyTraffic();
    return addTraffic(sum, subtractTraffic(p.traffic, before));
  }, emptyTraffic());
  return {
    epoch: summary.epoch,
    seconds: summary.seconds,
    trainLoss: mean((p) => p.trainLoss),
    testLoss: summary.testLoss,
    testAccuracy: summary.testAccuracy,
    computeSeconds: mean((p) => p.computeSeconds),
    syncSeconds: mean((p) => p.syncSeconds),
    updateSeconds: mean((p) => p.updateSeconds),
    steps: mean((p) => p.steps),
    bytesWritten: moved.bytesWritten,
    bytesRead: moved.bytesRead,
    bytesByStore: Object.fromEntries(Object.entries(moved.bytesByKind).filter(([, b]) => b.written + b.read > 0)),
  };
}
