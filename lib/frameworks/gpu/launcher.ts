// How the trigger gets the trainer going. On AWS it starts the EC2 GPU instance the plugin
// declares; locally it asks the local runtime to run the same trainer as a process. Which one is
// configuration (MLTRAIN_JOB_LAUNCHER, set by the local runtime), never a branch in the handler.

export type LaunchInfo =
  | { launcher: 'ec2'; instanceId: string; previousState: string; currentState: string }
  | { launcher: 'local-process'; jobId: string; pid: number };

export interface JobLauncher {
  /** Makes sure run `runId` (already recorded in the bucket) gets trained. */
  launch(runId: string): Promise<LaunchInfo>;
}
