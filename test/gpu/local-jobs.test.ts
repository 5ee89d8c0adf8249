import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalProcessLauncher } from '../../lib/frameworks/gpu/launchers/local-process';
import { LocalJobs } from '../../lib/local/jobs';

// The local runtime's job server starts only the jobs it knows, for a valid run id.

let dir: string;
let jobs: LocalJobs;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'local-jobs-'));
  jobs = await LocalJobs.start({ repoRoot: path.join(__dirname, '..', '..'), env: {}, logsDir: dir });
});
afterAll(async () => {
  await jobs.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('tells the launcher where it listens and that launches are local', () => {
  expect(jobs.env).toEqual({ MLTRAIN_JOB_LAUNCHER: 'local', MLTRAIN_LOCAL_JOBS_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
});

test('refuses an unknown job or a bad run id, starting nothing', async () => {
  const post = (body: unknown) => fetch(`${jobs.endpoint}/jobs`, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { message: string } }));
  expect(await post({ job: 'rm -rf /', runId: 'gpu-abc' })).toEqual({ status: 400, body: { message: 'job must be one of gpu-trainer' } });
  expect((await post({ job: 'gpu-trainer', runId: '../etc' })).body.message).toMatch(/runId "\.\.\/etc" is invalid/);
  await expect(new LocalProcessLauncher(jobs.endpoint).launch('Bad Id')).rejects.toThrow(/refused to start the trainer for Bad Id: 400 runId "Bad Id" is invalid/);
  expect(jobs.jobs()).toEqual([]);
});
