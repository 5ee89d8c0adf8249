import type { InvocationRecord } from './lambda/types';

// Until the first epoch is in, a run can be quiet for minutes (cold starts, data loading): this
// says what the functions are doing, once something changes and at least every 15 s.

const MIN_GAP_MS = 3_000;
const HEARTBEAT_MS = 15_000;

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

/** "worker: 4 running (2 starting), 0 done; trigger: 1 done". */
export function describeInvocations(records: readonly InvocationRecord[]): string {
  const byKey = new Map<string, InvocationRecord[]>();
  for (const r of records) byKey.set(r.functionKey, [...(byKey.get(r.functionKey) ?? []), r]);
  return [...byKey].map(([key, rs]) => {
    const running = rs.filter((r) => r.status === 'running');
    const starting = running.filter((r) => !r.warm && r.initMs === undefined).length;
    const ended = rs.length - running.length;
    return `${key}: ${running.length} running${starting ? ` (${starting} loading the handler)` : ''}, ${ended} ended`;
  }).join('; ');
}
