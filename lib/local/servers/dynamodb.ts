import type * as http from 'node:http';
import { trackedStop } from '../processes';
import { closeHttpServer, listenOnLoopback } from './http-listener';
import type { RunningServer } from './types';

// dynalite ships no type declarations: this is the part used here.
type Dynalite = (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
  path?: string;
}) => http.Server;

const dynalite: Dynalite = require('dynalite');

export interface DynamoOptions {
  /** LevelDB folder to keep tables in. Default: in memory, gone on stop. */
  directory?: string;
}

/** Starts dynalite in this process on 127.0.0.1; tables become ACTIVE at once (no CREATING delay). */
export async function startDynamo(opts: DynamoOptions = {}): Promise<RunningServer> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.directory ? { path: opts.directory } : {}),
  });
  const port = await listenOnLoopback(server);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = trackedStop(`dynamodb (port ${port})`, async () => {
    await closeHttpServer(server);
  });

  return { kind: 'dynamodb', host: '127.0.0.1', port, endpoint, env: { AWS_ENDPOINT_URL_DYNAMODB: endpoint }, stop };
}
