import { TrafficCounter } from '../../lib/metrics/traffic';
import type { Announcement } from '../../lib/frameworks/spirt/announcements';
import { peerKeys } from '../../lib/frameworks/spirt/keys';
import type { PeerSelf } from '../../lib/frameworks/spirt/peer';
import { readPeerAverages } from '../../lib/frameworks/spirt/peer-averages';
import { closePeerConnections, openPeerDatabase } from '../../lib/frameworks/spirt/peer-db';
import { createLogger } from '../../lib/util/log';
import { expectSameBits, startTensorServer, type TensorServer } from '../redisai/helpers';

// A live peer whose database answers slowly (busy with 44.7 MB ResNet-18 tensors under load) must
// stay in every peer's aggregation: dropping it in one peer only (a timed-out read of its averaged
// gradient) leaves that peer with a different model. Real redis-servers with the tensor module;
// CLIENT PAUSE stands in for the busy database.

jest.setTimeout(60_000);

const runId = 'spirt-peer-averages-test';
const keys = peerKeys(runId);
let own: TensorServer;
let other: TensorServer;

beforeAll(async () => {
  [own, other] = await Promise.all([startTensorServer(), startTensorServer({ password: 'peer-1-credential' })]);
  await own.redis.hset(keys.credentials, '1', 'peer-1-credential');
});

afterAll(async () => {
  closePeerConnections();
  await Promise.all([own?.stop(), other?.stop()]);
});

function ownPeer(): PeerSelf {
  return { peer: 0, keys, db: openPeerDatabase({ endpoint: `redis://127.0.0.1:${own.server.port}`, password: '' }) };
}

function recordingDeps(warnings: string[]) {
  return { traffic: new TrafficCounter(), log: createLogger({}, (line) => { if (line.includes('"level":"warn"')) warnings.push(line); }) };
}

test('a peer whose database takes 6 s to answer is still read, not skipped', async () => {
  const grad = Float32Array.from({ length: 1 << 20 }, (_, i) => Math.sin(i) * 1e-3);
  await other.redis.call('AI.TENSORSET', keys.averaged(1), 'FLOAT', String(grad.length), 'BLOB', Buffer.from(grad.buffer));
  const warnings: string[] = [];
  const others: [number, Announcement][] = [[1, { endpoint: `redis://127.0.0.1:${other.server.port}` } as Announcement]];

  await other.redis.call('CLIENT', 'PAUSE', '6000', 'ALL'); // the database is alive but busy for 6 s
  const t0 = Date.now();
  const [read] = await readPeerAverages(recordingDeps(warnings), ownPeer(), runId, 1, others);
  const waitedMs = Date.now() - t0;

  expect(warnings).toEqual([]);
  expect(read.peer).toBe(1);
  expect(read.grad).toBeDefined();
  expectSameBits(read.grad!, grad);
  expect(waitedMs).toBeGreaterThanOrEqual(5_500); // it did wait out the pause
});

test('a peer whose database is gone is skipped with a warning naming it', async () => {
  const warnings: string[] = [];
  const gone: [number, Announcement][] = [[1, { endpoint: 'redis://127.0.0.1:1' } as Announcement]];
  const [read] = await readPeerAverages(recordingDeps(warnings), ownPeer(), runId, 1, gone);
  expect(read).toEqual({ peer: 1, grad: undefined });
  expect(warnings.join('\n')).toMatch(/could not read a peer.s averaged gradient.*"from":1,"error":"Connection is closed/);
});

