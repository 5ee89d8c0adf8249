import type { InvocationRecord } from '../../lib/local/lambda/types';
import { describeInvocations, StartupProgress } from '../../lib/local/startup-progress';

// While a run starts, `mltrain run` says what the functions are doing in one short line, at most
// every 10 s, and at least every 30 s even when nothing changes.

const record = (functionKey: string, over: Partial<InvocationRecord> = {}): InvocationRecord => ({
  requestId: Math.random().toString(36), functionName: `svc-${functionKey}`, functionKey, type: 'Event', memoryMb: 1769, startedAt: 0, status: 'running', ...over,
});

test('running invocations by function, those still loading their handler, and how many ended', () => {
  const records = [
    record('trigger', { status: 'succeeded' }), record('compute', {}), record('compute', { initMs: 900 }), record('compute', { warm: true }), record('auth', { initMs: 5 }),
  ];
  expect(describeInvocations(records)).toBe('running compute ×3 (1 loading the handler), auth ×1; 1 invocation ended');
  expect(describeInvocations([record('trigger', { status: 'succeeded' })])).toBe('nothing running; 1 invocation ended');
  expect(describeInvocations([])).toBe('');
});

test('a line when something changed (not more often than every 10 s), and a heartbeat every 30 s', () => {
  const records: InvocationRecord[] = [record('compute')];
  const lines: string[] = [];
  const progress = new StartupProgress(() => records, (m) => lines.push(m));
  const t0 = Date.now();
  progress.poll(t0);
  records.push(record('compute'));
  progress.poll(t0 + 5_000); // changed, but too soon
  progress.poll(t0 + 11_000);
  progress.poll(t0 + 25_000); // unchanged
  progress.poll(t0 + 42_000); // heartbeat
  expect(lines.map((l) => l.replace(/^\d+ s: /, ''))).toEqual([
    'running compute ×1 (1 loading the handler); 0 invocations ended',
    'running compute ×2 (2 loading the handler); 0 invocations ended',
    'running compute ×2 (2 loading the handler); 0 invocations ended',
  ]);
});
