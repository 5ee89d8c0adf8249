// Where a run keeps its state in the service's bucket. Every key names its run, and where relevant
// the epoch and the worker, so two runs never collide and a retried write overwrites itself.

const RUN_ID = /^[a-z0-9][a-z0-9-]{2,62}$/;

export function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new Error(`runId "${runId}" is invalid: use 3-63 lowercase letters, digits and dashes, starting with a letter or digit`);
  }
}

export function newRunId(framework: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-').toLowerCase();
  return `${framework}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export const runKeys = (runId: string) => {
  const root = `runs/${runId}/`;
  return {
    root,
    config: `${root}config.json`,
    failed: `${root}status/failed.json`,
    done: `${root}status/done.json`,
    epochSummary: (epoch: number) => `${root}epochs/${pad(epoch)}.json`,
    epochSummaries: `${root}epochs/`,
    progress: (epoch: number, rank: number) => `${root}progress/${pad(epoch)}/rank-${rank}.json`,
    report: (rank: number) => `${root}reports/rank-${rank}.json`,
    checkpoint: (rank: number) => `${root}checkpoints/rank-${rank}/`,
    sync: `${root}sync/`,
    finalModel: `${root}model/final.f32`,
    /** One step's claim and result, for recognising a second delivery of its event. */
    stepClaim: (step: string) => `${root}claims/${step}`,
  };
};

/** Where prepare-data puts a dataset split for a number of workers and a seed. */
export function datasetPrefix(dataset: string, workers: number, seed: number): string {
  return `datasets/${dataset}/w${workers}-s${seed}`;
}

export function datasetManifestKey(dataset: string, workers: number, seed: number): string {
  return `${datasetPrefix(dataset, workers, seed)}/manifest.json`;
}

/**
 * A dataset manifest key from an event: under `datasets/<dataset>/`, ending in `/manifest.json`,
 * with no empty, `.` or `..` segment, so that no event can point a function outside the datasets.
 */
export function assertDatasetManifestKey(key: string, dataset: string): void {
  const segments = key.split('/');
  const plain = segments.every((s) => s !== '' && s !== '.' && s !== '..' && !s.includes('\\'));
  if (!plain || !key.startsWith(`datasets/${dataset}/`) || !key.endsWith('/manifest.json')) {
    throw new Error(`manifestKey "${key}" is outside the dataset layout: expected datasets/${dataset}/<split>/manifest.json (e.g. ${datasetManifestKey(dataset, 4, 42)}) without empty, "." or ".." segments`);
  }
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}
