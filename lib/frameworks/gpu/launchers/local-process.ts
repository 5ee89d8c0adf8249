import type { JobLauncher, LaunchInfo } from '../launcher';

/**
 * Asks the local runtime's job server (lib/local/jobs.ts) to run the GPU trainer as a child
 * process of the runtime, which tracks it, writes its logs beside the functions' and stops it with
 * the run: the local counterpart of starting the instance.
 */
export class LocalProcessLauncher implements JobLauncher {
  constructor(private readonly endpoint: string) {}

  async launch(runId: string): Promise<LaunchInfo> {
    const res = await fetch(`${this.endpoint}/jobs`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job: 'gpu-trainer', runId }),
    });
    const body = (await res.json().catch(() => ({}))) as { jobId?: string; pid?: number; message?: string };
    if (res.status !== 202 || body.jobId === undefined || body.pid === undefined) {
      throw new Error(`the local job server refused to start the trainer for ${runId}: ${res.status} ${body.message ?? ''}`.trim());
    }
    return { launcher: 'local-process', jobId: body.jobId, pid: body.pid };
  }
}
