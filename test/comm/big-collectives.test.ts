import { ReduceScatterCommunicator } from '../../lib/comm';
import { meanOf } from '../../lib/ml/tensor';
import type { ObjectStore } from '../../lib/stores/types';
import { bigTensor, RESNET18_PARAMS } from '../stores/big-tensors';
import { startStoreServer, type StoreServer } from '../stores/helpers';

// One synchronisation step of ResNet-18's gradient (11.2 M floats, 44.7 MB) over a channel's
// real server, each worker with its own connection: every worker gets the mean, bit for bit, and
// the step leaves only its merged chunks behind (22 MB each: in parts on Memcached). The 4-worker
// AllReduce step per channel, with times and memory: bench/big-tensors.ts.

const bits = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

// Redis and Memcached (in parts) in the suite; S3's and DynamoDB's steps (seconds, and minutes on
// dynalite) are checked bit for bit by the bench, which runs all four.
describe.each(['redis', 'memcached'] as const)('over %s', (kind) => {
  let server: StoreServer;
  let stores: ObjectStore[];
  beforeAll(async () => {
    server = await startStoreServer(kind);
    stores = Array.from({ length: 2 }, () => server.open());
  });
  afterAll(() => server?.stop());

  test('ScatterReduce with 2 workers averages 11.2 M-float gradients bit for bit', async () => {
    const prefix = 'runs/big/sync/';
    const grads = Array.from({ length: 2 }, (_, r) => bigTensor(RESNET18_PARAMS, 10 + r));
    const comms = stores.map((store, rank) => new ReduceScatterCommunicator({
      store, prefix, rank, numWorkers: 2, timeoutMs: 600_000, checkAbort: async () => undefined,
    }));
    const means = await Promise.all(comms.map((c, r) => c.mean('e1/b0', grads[r])));
    const expected = bits(meanOf(grads));
    for (const m of means) expect(bits(m).equals(expected)).toBe(true);
    expect(await stores[0].list(prefix)).toEqual(['runs/big/sync/e1/b0/merged-0.f32', 'runs/big/sync/e1/b0/merged-1.f32']);
  }, 600_000);
});
