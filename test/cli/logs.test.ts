import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatLine, logsCommand } from '../../lib/cli/commands/logs';

let runsDir: string;
let printed: string;
let spy: jest.SpyInstance;

beforeEach(() => {
  runsDir = mkdtempSync(path.join(os.tmpdir(), 'logs-test-'));
  for (const [run, age] of [['allreduce-old', 100], ['allreduce-new', 0]] as const) {
    mkdirSync(path.join(runsDir, run, 'logs'), { recursive: true });
    const line = (t: string, fn: string, msg: string) => JSON.stringify({ time: `2026-11-21T10:00:0${t}.000Z`, level: 'info', function: fn, rank: 0, runId: run, message: msg });
    writeFileSync(path.join(runsDir, run, 'logs', 'worker.jsonl'), `${line('1', 'worker', `${run} step`)}\n${line('3', 'worker', 'done')}\n`);
    writeFileSync(path.join(runsDir, run, 'logs', 'trigger.jsonl'), `${line('2', 'trigger', 'run started')}\n`);
    const when = Date.now() / 1000 - age;
    utimesSync(path.join(runsDir, run), when, when);
  }
  printed = '';
  spy = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => { printed += String(c); return true; });
});

afterEach(() => {
  spy.mockRestore();
  rmSync(runsDir, { recursive: true, force: true });
});

test('prints the latest run, all functions interleaved in time order', async () => {
  await logsCommand('allreduce', { runsDir });
  const lines = printed.trim().split('\n');
  expect(lines).toHaveLength(3);
  expect(lines[0]).toContain('allreduce-new step');
  expect(lines[1]).toContain('trigger');
  expect(lines[2]).toContain('done');
});

test('filters one function of a named run, and names what exists when asked for a missing one', async () => {
  await logsCommand('allreduce', { runsDir, run: 'allreduce-old', function: 'trigger' });
  expect(printed.trim().split('\n')).toHaveLength(1);
  await expect(logsCommand('allreduce', { runsDir, function: 'supervisor' })).rejects.toThrow('run allreduce-new has no logs for function "supervisor"; it has: trigger, worker');
});

test('formats a JSON line as time, level, function[rank], message and the other fields', () => {
  const line = JSON.stringify({ time: '2026-11-21T10:00:01.250Z', level: 'warn', function: 'worker', rank: 2, runId: 'r', message: 'slow', ms: 12 });
  expect(formatLine(line)).toBe('10:00:01.250 WARN  worker[2]  slow  ms=12');
});
