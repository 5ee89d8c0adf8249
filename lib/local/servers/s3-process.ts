import { fork } from 'node:child_process';
import path from 'node:path';
import { trackChild, trackStoppable } from '../processes';
import type { S3Options, S3Server } from './s3';

// s3rver in a child process of its own. Measured reasons (docs/benchmarks/collectives.md):
//  - its request handling no longer shares one event loop with the host (the CLI's driver, jest's
//    test code), so N workers' requests are served while the host is busy;
//  - the child runs with --openssl-legacy-provider: s3rver encrypts its ListObjectsV2
//    continuation tokens with DES, which OpenSSL 3 (Node 17+) refuses, so any listing of more
//    than 1,000 keys failed with InternalError in-process.

const CHILD_ENTRY = path.join(__dirname, 's3-process-child.ts');
// Starting it loads tsx and s3rver in a fresh process: at load average 40-65 on two cores that
// took over 20 s (MLLESS and GPU runs failed before training), so allow a minute.
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

type Reply =
  | { type: 'started'; port: number; endpoint: string; env: Record<string, string> }
  | { type: 'failed'; message: string }
  | { type: 'bucket-created'; id: number }
  | { type: 'bucket-failed'; id: number; message: string };

/** Starts s3rver in a child process; resolves once it listens on 127.0.0.1. */
export async function startS3Process(opts: S3Options): Promise<S3Server & { pid: number }> {
  const child = fork(CHILD_ENTRY, [], { execArgv: ['--import', 'tsx', '--openssl-legacy-provider'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const forget = trackChild(child, 's3rver');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  let nextId = 0;
  child.on('message', (reply: Reply) => {
    if (reply.type !== 'bucket-created' && reply.type !== 'bucket-failed') return;
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.type === 'bucket-created') waiter?.resolve();
    else waiter?.reject(new Error(reply.message));
  });

  const started = await new Promise<Extract<Reply, { type: 'started' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    child.on('message', (reply: Reply) => {
      if (reply.type === 'started') { clearTimeout(timer); resolve(reply); }
      if (reply.type === 'failed') { clearTimeout(timer); reject(new Error(reply.message)); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`s3rver exited during startup with code ${code}`)); });
    child.send({ type: 'start', options: opts });
  }).catch(async (err: unknown) => {
    child.kill('SIGKILL');
    await exited;
    forget();
    throw err;
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    untrack();
    if (child.connected) child.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
    forget();
  })());
  const untrack = trackStoppable(`s3 (pid ${child.pid}, port ${started.port})`, stop);

  return {
    kind: 's3',
    host: '127.0.0.1',
    port: started.port,
    pid: child.pid ?? -1,
    endpoint: started.endpoint,
    env: started.env,
    directory: opts.directory,
    stop,
    createBucket: (name: string) => new Promise<void>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ type: 'create-bucket', id, name });
    }),
  };
}
