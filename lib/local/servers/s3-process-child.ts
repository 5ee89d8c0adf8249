import { startS3, type S3Options, type S3Server } from './s3';

// The child side of s3-process.ts: runs s3rver, answers createBucket requests, stops on request
// or when its parent goes away.

type Request = { type: 'start'; options: S3Options } | { type: 'create-bucket'; id: number; name: string } | { type: 'stop' };

let server: S3Server | undefined;

async function stop(code: number): Promise<never> {
  await server?.stop().catch(() => undefined);
  process.exit(code);
}

process.on('message', (req: Request) => {
  if (req.type === 'start') {
    startS3(req.options).then(
      (s) => { server = s; process.send!({ type: 'started', port: s.port, endpoint: s.endpoint, env: s.env }); },
      (err: Error) => process.send!({ type: 'failed', message: err.message }, () => process.exit(1)),
    );
  } else if (req.type === 'create-bucket') {
    server!.createBucket(req.name).then(
      () => process.send!({ type: 'bucket-created', id: req.id }),
      (err: Error) => process.send!({ type: 'bucket-failed', id: req.id, message: err.message }),
    );
  } else {
    void stop(0);
  }
});
process.on('disconnect', () => { void stop(0); });
