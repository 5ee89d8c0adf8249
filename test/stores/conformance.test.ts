import { TrafficCounter } from '../../lib/metrics/traffic';
import type { ObjectStore } from '../../lib/stores/types';
import { WaitTimeoutError } from '../../lib/util/wait';
import { payload, startStoreServer, STORE_KINDS, type StoreServer } from './helpers';

// One behaviour for the whole storage layer: the same tests run against S3 (s3rver), Redis
// (redis-server), Memcached (memcached -I 1m, ElastiCache's default) and DynamoDB (dynalite), each a real server.

describe.each(STORE_KINDS)('%s store', (kind) => {
  let server: StoreServer;
  let store: ObjectStore;
  let traffic: TrafficCounter;
  beforeAll(async () => {
    server = await startStoreServer(kind);
    traffic = new TrafficCounter();
    store = server.open(traffic);
  });
  afterAll(() => server?.stop());

  test('saves, loads and overwrites values byte for byte; a missing key loads as undefined', async () => {
    expect(await store.load('runs/r1/missing.f32')).toBeUndefined();
    await store.save('runs/r1/a.bin', payload(1000, 1));
    expect((await store.load('runs/r1/a.bin'))!.equals(payload(1000, 1))).toBe(true);
    await store.save('runs/r1/a.bin', payload(10, 2));
    expect((await store.load('runs/r1/a.bin'))!.equals(payload(10, 2))).toBe(true);
    await store.save('runs/r1/empty', new Uint8Array(0));
    expect((await store.load('runs/r1/empty'))!.length).toBe(0);
    // A view into a larger buffer stores only its own bytes.
    const whole = payload(64, 3);
    await store.save('runs/r1/view', whole.subarray(8, 24));
    expect((await store.load('runs/r1/view'))!.equals(whole.subarray(8, 24))).toBe(true);
  });

  test('moves values of several MB intact, and replaces a large value by a small one and back', async () => {
    const big = payload(5 * 1024 * 1024 + 3, 4); // not a multiple of any part size
    await store.save('runs/r2/big.f32', big);
    expect((await store.load('runs/r2/big.f32'))!.equals(big)).toBe(true);
    await store.save('runs/r2/big.f32', payload(100, 5));
    expect((await store.load('runs/r2/big.f32'))!.equals(payload(100, 5))).toBe(true);
    await store.save('runs/r2/big.f32', big);
    expect((await store.load('runs/r2/big.f32'))!.equals(big)).toBe(true);
    await store.delete(['runs/r2/big.f32']);
    expect(await store.load('runs/r2/big.f32')).toBeUndefined();
  }, 60_000);

  test('lists every key under a prefix, sorted, and only those', async () => {
    const keys = ['runs/r3/sync/e1/b0/grad-0.f32', 'runs/r3/sync/e1/b0/grad-1.f32', 'runs/r3/sync/e1/b10/grad-0.f32', 'runs/r3/config.json', 'runs/r3x/other'];
    await Promise.all(keys.map((k, i) => store.save(k, payload(8, i))));
    expect(await store.list('runs/r3/sync/')).toEqual(keys.slice(0, 3));
    expect(await store.list('runs/r3/sync/e1/b1')).toEqual(['runs/r3/sync/e1/b10/grad-0.f32']);
    expect(await store.list('runs/r3/')).toEqual([...keys.slice(0, 4)].sort());
    expect(await store.list('runs/r3')).toEqual([...keys].sort()); // a prefix is text, not a folder
    expect(await store.list('runs/r3/nothing/')).toEqual([]);
    await store.delete(['runs/r3/sync/e1/b0/grad-1.f32', 'runs/r3/never-existed']);
    expect(await store.list('runs/r3/sync/e1/b0/')).toEqual(['runs/r3/sync/e1/b0/grad-0.f32']);
  });

  test('lists past every page limit (1,100 keys)', async () => {
    const keys = Array.from({ length: 1100 }, (_, i) => `runs/r4/k/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 100) await Promise.all(keys.slice(i, i + 100).map((k) => store.save(k, Buffer.from([i % 256]))));
    const listed = await store.list('runs/r4/');
    expect(listed).toHaveLength(1100);
    expect(listed).toEqual(keys);
    expect(await store.clear('runs/r4/')).toBe(1100);
    expect(await store.list('runs/r4/')).toEqual([]);
  }, 60_000);

  test('concurrent writers on separate connections lose no key and no listing entry', async () => {
    const writers = Array.from({ length: 4 }, () => server.open());
    // Every writer writes into the same new directories at the same time, and deletes some of its own.
    await Promise.all(writers.map(async (w, r) => {
      for (let step = 0; step < 10; step++) {
        await Promise.all([0, 1].map((c) => w.save(`runs/r5/sync/s${step}/chunk-${c}-from-${r}.f32`, payload(2048, step * 10 + r))));
        if (step % 2 === 0) await w.delete([`runs/r5/sync/s${step}/chunk-1-from-${r}.f32`]);
      }
    }));
    const listed = await server.open().list('runs/r5/');
    const expected = [];
    for (let step = 0; step < 10; step++) {
      for (let r = 0; r < 4; r++) {
        expected.push(`runs/r5/sync/s${step}/chunk-0-from-${r}.f32`);
        if (step % 2 === 1) expected.push(`runs/r5/sync/s${step}/chunk-1-from-${r}.f32`);
      }
    }
    expect(listed).toEqual(expected.sort());
    expect((await store.load('runs/r5/sync/s9/chunk-1-from-3.f32'))!.equals(payload(2048, 93))).toBe(true);
  }, 60_000);

  test('clear deletes everything under the prefix and nothing else', async () => {
    await Promise.all(['runs/r6/a', 'runs/r6/b/c', 'runs/r6/b/d/e', 'runs/r60/keep'].map((k) => store.save(k, payload(16))));
    expect(await store.clear('runs/r6/')).toBe(3);
    expect(await store.list('runs/r6/')).toEqual([]);
    expect(await store.load('runs/r6/b/c')).toBeUndefined();
    expect(await store.list('runs/r60/')).toEqual(['runs/r60/keep']);
    expect(await store.clear('runs/r6/')).toBe(0);
  });

  test('loadOrWait returns a value written while it waits', async () => {
    const waiting = store.loadOrWait('runs/r7/late', { timeoutMs: 10_000, initialDelayMs: 5, maxDelayMs: 50 });
    setTimeout(() => { void store.save('runs/r7/late', payload(32, 7)); }, 300);
    expect((await waiting).equals(payload(32, 7))).toBe(true);
  });

  test('loadOrWait gives up at its deadline with an error naming the key', async () => {
    const t0 = Date.now();
    const err = await store.loadOrWait('runs/r8/never', { timeoutMs: 400, maxDelayMs: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toBe('timed out after 0.4 s waiting for key runs/r8/never');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  test('counts its requests and bytes under its own kind', async () => {
    const counted = new TrafficCounter();
    const s = server.open(counted);
    await s.save('runs/r9/x', payload(1000));
    await s.load('runs/r9/x');
    const snap = counted.snapshot();
    expect(snap.bytesWritten).toBeGreaterThanOrEqual(1000); // memcached adds its index line
    expect(snap.bytesWritten).toBeLessThan(1100);
    expect(snap.bytesRead).toBe(1000);
    expect(snap.requests[kind]).toBeGreaterThanOrEqual(2);
    const others = Object.entries(snap.requests).filter(([k, n]) => k !== kind && n > 0);
    expect(others).toEqual([]);
  });
});
