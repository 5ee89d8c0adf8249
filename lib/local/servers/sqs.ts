import * as http from 'node:http';
import { createRequestHandler } from 'local-aws-sqs';
import { trackedStop } from '../processes';
import { closeHttpServer, listenOnLoopback } from './http-listener';
import { makeLongPollsReturnEarly } from './sqs-long-poll';
import type { RunningServer } from './types';

/** Starts local-aws-sqs in this process on 127.0.0.1 (it speaks the JSON protocol the SDK uses). */
export async function startSqs(): Promise<RunningServer> {
  const { service, requestHandler } = createRequestHandler({
    port: 0,
    hostname: '127.0.0.1',
    // AWS makes you wait 60 s before re-creating a deleted queue name; runs and tests must not.
    emulateQueueCreationLifecycle: false,
  });
  const server = http.createServer((req, res) => {
    // The queue class is reachable only through a queue: patch it once the first one exists.
    if (service.Queues.length) makeLongPollsReturnEarly(service.Queues[0]);
    requestHandler(req, res).catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });
  const port = await listenOnLoopback(server);
  // Queue URLs are built from the service's port, which is only known now.
  service.PORT = port;

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = trackedStop(`sqs (port ${port})`, async () => {
    await closeHttpServer(server);
    // Drops queued messages and their visibility timers.
    service.resetAll();
  });

  return { kind: 'sqs', host: '127.0.0.1', port, endpoint, env: { AWS_ENDPOINT_URL_SQS: endpoint }, stop };
}
