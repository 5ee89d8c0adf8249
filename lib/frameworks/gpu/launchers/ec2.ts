import { StartInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { ObjectStore } from '../../../stores/types';
import type { Logger } from '../../../util/log';
import { sleep } from '../../../util/wait';
import { enqueueRun } from '../job-queue';
import type { JobLauncher, LaunchInfo } from '../launcher';

export interface Ec2LauncherOptions {
  /** How long to keep retrying while the instance is still stopping from its previous job. */
  stoppingWaitMs?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Queues the run in the bucket, then starts the GPU instance. StartInstances is a no-op on a
 * running instance (whose job runner will find the run in the queue) and fails with
 * IncorrectInstanceState while it is stopping, which is retried with back-off for a bounded time.
 * Only ec2:StartInstances on this one instance is needed.
 */
export class Ec2InstanceLauncher implements JobLauncher {
  constructor(
    private readonly ec2: Pick<EC2Client, 'send'>,
    private readonly instanceId: string,
    private readonly store: ObjectStore,
    private readonly log: Logger,
    private readonly opts: Ec2LauncherOptions = {},
  ) {}

  async launch(runId: string): Promise<LaunchInfo> {
    await enqueueRun(this.store, runId);
    const deadline = Date.now() + (this.opts.stoppingWaitMs ?? 40_000);
    let delay = this.opts.initialDelayMs ?? 1000;
    for (;;) {
      try {
        const out = await this.ec2.send(new StartInstancesCommand({ InstanceIds: [this.instanceId] }));
        const change = out.StartingInstances?.find((i) => i.InstanceId === this.instanceId);
        const info: LaunchInfo = {
          launcher: 'ec2', instanceId: this.instanceId,
          previousState: change?.PreviousState?.Name ?? 'unknown', currentState: change?.CurrentState?.Name ?? 'unknown',
        };
        this.log.info('gpu instance started', { runId, ...info });
        return info;
      } catch (err) {
        if ((err as { name?: string }).name !== 'IncorrectInstanceState' || Date.now() + delay > deadline) {
          throw new Error(`could not start GPU instance ${this.instanceId}: ${(err as Error).message}. `
            + `Run ${runId} stays queued and is trained the next time the instance starts (invoke the trigger again).`);
        }
        this.log.info('gpu instance is still stopping; retrying', { runId, instanceId: this.instanceId, delayMs: delay });
        await sleep(delay);
        delay = Math.min(this.opts.maxDelayMs ?? 8000, delay * 2);
      }
    }
  }
}
