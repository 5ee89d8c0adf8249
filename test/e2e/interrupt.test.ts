import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Ctrl-C during a run stops every worker process and server the run started.

const ROOT = path.join(__dirname, '..', '..');

/** PIDs of processes whose environment carries the marker (the CLI passes its env to workers). */
function processesWithMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state === 'Z') continue; // exited, waiting to be reaped
      if (readFileSync(`/proc/${entry}/environ`).includes(marker)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

test('SIGINT during a run leaves no process behind', async () => {
  const runsDir = mkdtempSync(path.join(os.tmpdir(), 'interrupt-'));
  const marker = `MLTRAIN_TEST_MARKER=${randomUUID()}`;
  const [key, value] = marker.split('=');
  const cli = spawn(path.join(ROOT, 'bin', 'mltrain'), ['run', 'allreduce', '--dataset', 'synthetic', '--workers', '2', '--epochs', '200', '--runs-dir', runsDir],
    { cwd: ROOT, env: { ...process.env, [key]: value }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    await new Promise<void>((resolve, reject) => {
      cli.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); if (out.includes('epoch 1/200')) resolve(); });
      cli.on('exit', () => reject(new Error(`mltrain exited before training: ${out}`)));
    });
    // The CLI and its two workers are running.
    expect(processesWithMarker(marker).length).toBeGreaterThanOrEqual(3);
    const exited = new Promise<number | null>((resolve) => cli.on('exit', (code) => resolve(code)));
    cli.kill('SIGINT');
    expect(await exited).toBe(130);
    await new Promise((r) => setTimeout(r, 500));
    expect(processesWithMarker(marker)).toEqual([]);
  } finally {
    cli.kill('SIGKILL');
    rmSync(runsDir, { recursive: true, force: true });
  }
}, 120_000);
