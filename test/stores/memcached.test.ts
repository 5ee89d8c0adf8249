import { fork } from 'node:child_process';
import path from 'node:path';
import type * as memjs from 'memjs';
import { startMemcached, type ProcessServer } from '../../lib/local/servers';
import { createMemcachedClient } from '../../lib/stores/memcached-client';
import { MemcachedStore } from '../../lib/stores/memcached';
import { MEMCACHED_PART_BYTES } from '../../lib/stores/memcached-values';
import { payload } from './helpers';

// What only the Memcached store has to get right: its own key index (Memcached cannot list), safe
// with writers in separate processes; values above the server's item size cut into parts, never
// read torn, never left behind.

let server: ProcessServer;
let small: ProcessServer;
const clients: memjs.Client[] = [];
const open = (endpoint = server.endpoint) => {
  const client = createMemcachedClient(endpoint);
  clients.push(client);
  return new MemcachedStore(client, { ttlSeconds: 3600 });
};
beforeAll(async () => {
  [server, small] = await Promise.all([startMemcached(), startMemcached({ maxItemMb: 1, memoryMb: 64 })]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all([server?.stop(), small?.stop()]);
});

test('writers in four separate processes, into the same new directories at once, lose no listing entry', async () => {
  const child = path.join(__dirname, 'fixtures', 'memcached-writer.ts');
  await Promise.all([0, 1, 2, 3].map((rank) => new Promise<void>((resolve, reject) => {
    const p = fork(child, [server.endpoint, String(rank)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${rank} exited with ${code}`))));
  })));
  const listed = await open().list('runs/mp/');
  expect(listed).toHaveLength(4 * 20);
  for (let rank = 0; rank < 4; rank++) for (let step = 0; step < 20; step++) expect(listed).toContain(`runs/mp/s${step}/from-${rank}`);
}, 60_000);

test('on a server with ElastiCache\'s default 1 MB items, a larger value goes in parts, and replacing or deleting it drops them', async () => {
  const client = createMemcachedClient(small.endpoint);
  clients.push(client);
  const store = new MemcachedStore(client, { ttlSeconds: 3600 });
  const big = payload(2 * MEMCACHED_PART_BYTES + 3, 2);
  await store.save('runs/m2/big', big);
  expect((await store.load('runs/m2/big'))!.equals(big)).toBe(true);
  const partsOf = async () => {
    const { value } = await client.get('v:runs/m2/big');
    const head = JSON.parse(value!.subarray(1).toString()) as { version: string; parts: number; size: number };
    return { head, keys: Array.from({ length: head.parts }, (_, i) => `p:${head.version}:${i}`) };
  };
  const { head, keys } = await partsOf();
  expect({ parts: head.parts, size: head.size }).toEqual({ parts: 3, size: big.length });
  await store.save('runs/m2/big', payload(MEMCACHED_PART_BYTES + 1, 3)); // two new parts, the three old ones deleted
  for (const key of keys) expect((await client.get(key)).value).toBeNull();
  expect((await store.load('runs/m2/big'))!.equals(payload(MEMCACHED_PART_BYTES + 1, 3))).toBe(true);
  const second = await partsOf();
  await store.delete(['runs/m2/big']);
  for (const key of second.keys) expect((await client.get(key)).value).toBeNull();
  expect(await store.load('runs/m2/big')).toBeUndefined();
  expect(await store.list('runs/m2/')).toEqual([]);
});

test('readers never get a mix of two values while a writer keeps replacing a value cut into parts', async () => {
  const writer = open(small.endpoint);
  const readers = [open(small.endpoint), open(small.endpoint)];
  const values = [payload(3 * MEMCACHED_PART_BYTES, 4), payload(3 * MEMCACHED_PART_BYTES, 5)];
  await writer.save('runs/m5/x', values[0]);
  let writing = true;
  const writes = (async () => {
    for (let i = 1; i <= 20; i++) await writer.save('runs/m5/x', values[i % 2]);
    writing = false;
  })();
  const seen = [0, 0];
  await Promise.all(readers.map(async (reader) => {
    while (writing) {
      const got = (await reader.load('runs/m5/x'))!;
      const which = values.findIndex((v) => v.equals(got));
      expect(which).toBeGreaterThanOrEqual(0);
      seen[which] += 1;
    }
  }));
  await writes;
  expect(seen[0] + seen[1]).toBeGreaterThan(2);
}, 60_000);

test('a server whose item size is below a part is named with the fix', async () => {
  const refusing = { set: async () => { throw new Error('MemJS SET: Value too large'); }, get: async () => ({ value: null, flags: null }) };
  const store = new MemcachedStore(refusing as unknown as memjs.Client, { ttlSeconds: 60 });
  await expect(store.save('runs/m6/x', payload(10))).rejects.toThrow(
    'Memcached SET runs/m6/x failed: MemJS SET: Value too large (an item of 11 bytes is more than the server\'s largest item: values are cut into parts of 1024000 bytes, so the item size, memcached\'s -I or ElastiCache\'s max_item_size, must be at least 1 MB, the default)',
  );
});

test('reads a 13 MB value in one piece', async () => {
  const store = open();
  const big = payload(13_000_000, 3);
  await store.save('runs/m3/big', big);
  expect((await store.load('runs/m3/big'))!.equals(big)).toBe(true);
});

test('keys Memcached cannot hold are refused naming the key', async () => {
  const store = open();
  await expect(store.save('runs/m4/a key', payload(1))).rejects.toThrow('key "runs/m4/a key" cannot be stored in Memcached: keys may not contain spaces or control characters');
  await expect(store.save(`runs/${'k'.repeat(260)}`, payload(1))).rejects.toThrow(/is too long for Memcached: it needs a 267-byte Memcached key, the limit is 250/);
});
