import { encodeTensor } from '../../lib/ml/tensor';
import type { ObjectStore } from '../../lib/stores/types';
import { bigTensor, RESNET18_PARAMS } from './big-tensors';
import { startStoreServer, STORE_KINDS, type StoreServer } from './helpers';

// The papers' largest model through every channel's real server: ResNet-18's 11.2 M float32
// parameters (44.7 MB), byte for byte through the storage interface. Memcached runs with
// ElastiCache's default 1 MB items and DynamoDB takes 400 KB items, so both store it in parts.
// MobileNet v1's 12.9 MB and the times per channel: bench/big-tensors.ts.

describe.each(STORE_KINDS)('%s', (kind) => {
  let server: StoreServer;
  let store: ObjectStore;
  beforeAll(async () => {
    server = await startStoreServer(kind);
    store = server.open();
  });
  afterAll(() => server?.stop());

  test('saves, loads, waits for, lists and deletes a 44.7 MB tensor bit for bit', async () => {
    const resnet = encodeTensor(bigTensor(RESNET18_PARAMS, 1));
    expect(resnet.byteLength).toBe(44_695_848);
    await store.save('runs/big/params.f32', resnet);
    expect((await store.loadOrWait('runs/big/params.f32', { timeoutMs: 5000 })).equals(resnet)).toBe(true);
    expect(await store.list('runs/big/')).toEqual(['runs/big/params.f32']);
    await store.delete(['runs/big/params.f32']);
    expect(await store.load('runs/big/params.f32')).toBeUndefined();
  }, 600_000);
});
