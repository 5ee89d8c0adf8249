import { fork } from 'node:child_process';
import path from 'node:path';
import type * as memjs from 'memjs';
import { startMemcached, type ProcessServer } from '../../lib/local/servers';
import { createMemcachedClient } from '../../lib/stores/memcached-client';
import { MemcachedStore } from '../../lib/stores/memcached';
import { payload } from './helpers';

// What only the Memcached store has to get right: its own key index (Memcached cannot list), safe
// with writers in separate processes; values above the server's item size refused loudly.

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

test('a value above the server\'s largest item is refused with an error that says how to fix it, and nothing is indexed', async () => {
  const store = open(small.endpoint);
  await expect(store.save('runs/m2/big', payload(2 * 1024 * 1024))).rejects.toThrow(
    /Memcached SET runs\/m2\/big failed: .*too large.* \(2097152 bytes is more than the server's largest item: start memcached with -I 128m, or raise max_item_size on ElastiCache\)/i,
  );
  expect(await store.list('runs/m2/')).toEqual([]);
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
