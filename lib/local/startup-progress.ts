import type { InvocationRecord } from './lambda/types';

// Until the first epoch is in, a run can be quiet for minutes (cold starts, data loading): this
// says what the functions are doing, in one short line at most every 10 s and at least every 30 s.

const MIN_GAP_MS = 10_000;
const HEARTBEAT_MS = 30_000;

export class StartupProgress {
  private last = '';
  private lastAt = 0;
  private readonly since = Date.now();

  constructor(private readonly invocations: () => readonly InvocationRecord[], private readonly say: (message: string) => void) {}

  poll(now = Date.now()): void {
    const state = describeInvocations(this.invocations());
    if (!state) return;
    const changed = state !== this.last && now - this.lastAt >= MIN_GAP_MS;
    if (!changed && now - this.lastAt < HEARTBEAT_MS) return;
    this.last = state;
    this.lastAt = now;
    this.say(`${Math.round((now - this.since) / 1000)} s: ${state}`);
  }
}

/** "running compute_gradients ×16 (12 loading the handler), auth ×1; 21 invocations ended". */
export function describeInvocations(records: readonly InvocationRecord[]): string {
  const running = new Map<string, { count: number; loading: number }>();
  for (const r of records.filter((x) => x.status === 'running')) {
    const entry = running.get(r.functionKey) ?? { count: 0, loading: 0 };
    entry.count++;
    if (!r.warm && r.initMs === undefined) entry.loading++;
    running.set(r.functionKey, entry);
  }
  if (records.length === 0) return '';
  const ended = records.length - [...running.values()].reduce((n, e) => n + e.count, 0);
  const parts = [...running].map(([key, e]) => `${key} ×${e.count}${e.loading ? ` (${e.loading} loading the handler)` : ''}`);
  return `${parts.length ? `running ${parts.join(', ')}` : 'nothing running'}; ${ended} invocation${ended === 1 ? '' : 's'} ended`;
}
