import type * as memjs from 'memjs';
import type { TrafficCounter } from '../metrics/traffic';

// Memcached cannot enumerate its keys, so the store keeps an index of them in Memcached itself,
// one per directory (a key's text up to and including its last '/'; '' is the root):
//
//   i:<dir>  lines "+name" or "-name"; name is a key's last segment, or a subdirectory's with its '/'
//
// Writers from any number of processes only ever APPEND lines, which Memcached does atomically, so
// no writer can lose another's entry (a read-modify-write of a shared list would). The last line
// for a name says whether it exists. A directory is entered in its parent once and never removed,
// so a process may remember which directories it has entered. One index per directory keeps every
// index small: a run's synchronisation keys live in one directory per step.

const INDEX_PREFIX = 'i:';

export class MemcachedKeyIndex {
  /** Directories this process has already entered in their parent's index. */
  private readonly entered = new Set<string>();

  constructor(
    private readonly client: memjs.Client,
    private readonly ttlSeconds: number,
    private readonly traffic: TrafficCounter,
  ) {}

  /** Records that `key` exists, and that its directories exist up to the root. */
  async added(key: string): Promise<void> {
    const appends = [this.append(dirOf(key), [`+${nameOf(key)}`])];
    for (let dir = dirOf(key); dir !== '' && !this.entered.has(dir); dir = dirOf(dir.slice(0, -1))) {
      const entered = dir;
      appends.push(this.append(dirOf(dir.slice(0, -1)), [`+${nameOf(dir.slice(0, -1))}/`]).then(() => { this.entered.add(entered); }));
    }
    await Promise.all(appends);
  }

  /** Records that the keys no longer exist: one append per directory. */
  async removed(keys: string[]): Promise<void> {
    const byDir = new Map<string, string[]>();
    for (const key of keys) {
      const dir = dirOf(key);
      byDir.set(dir, [...(byDir.get(dir) ?? []), `-${nameOf(key)}`]);
    }
    await Promise.all([...byDir].map(([dir, lines]) => this.append(dir, lines)));
  }

  /** Every key under the prefix whose last index line says it exists, sorted. */
  async list(prefix: string): Promise<string[]> {
    const dir = dirOf(prefix);
    const keys = await this.walk(dir, prefix.slice(dir.length));
    return keys.sort();
  }

  private async walk(dir: string, namePrefix: string): Promise<string[]> {
    const names = await this.read(dir);
    const matching = names.filter((name) => name.startsWith(namePrefix));
    const nested = await Promise.all(matching.filter((n) => n.endsWith('/')).map((sub) => this.walk(dir + sub, '')));
    return [...matching.filter((n) => !n.endsWith('/')).map((n) => dir + n), ...nested.flat()];
  }

  private async read(dir: string): Promise<string[]> {
    const key = INDEX_PREFIX + dir;
    const { value } = await this.call('GET', key, () => this.client.get(key));
    if (!value) {
      this.traffic.request('memcached');
      return [];
    }
    this.traffic.read('memcached', value.length);
    const alive = new Map<string, boolean>();
    for (const line of value.toString('utf8').split('\n')) {
      if (line) alive.set(line.slice(1), line[0] === '+');
    }
    return [...alive].filter(([, exists]) => exists).map(([name]) => name);
  }

  private async append(dir: string, lines: string[]): Promise<void> {
    const key = INDEX_PREFIX + dir;
    const payload = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    // APPEND needs the index to exist and ADD needs it not to: whichever way another writer races
    // us, one of the three succeeds.
    const done = (await this.tryAppend(key, payload))
      || (await this.call('ADD', key, () => this.client.add(key, payload, { expires: this.ttlSeconds })))
      || (await this.tryAppend(key, payload));
    this.traffic.wrote('memcached', payload.length);
    if (!done) throw new Error(`Memcached index ${key} could neither be appended to nor created`);
  }

  private async tryAppend(key: string, payload: Buffer): Promise<boolean> {
    try {
      return await this.client.append(key, payload);
    } catch (err) {
      if (/not stored/i.test((err as Error).message)) return false; // the index does not exist yet
      throw new Error(`Memcached APPEND ${key} failed: ${(err as Error).message}`);
    }
  }

  private async call<T>(command: string, key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new Error(`Memcached ${command} ${key} failed: ${(err as Error).message}`);
    }
  }
}

/** The directory part of a key or prefix: up to and including its last '/', or '' for none. */
export function dirOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

function nameOf(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** The Memcached key under which a directory's index lives. */
export function indexKeyOf(dir: string): string {
  return INDEX_PREFIX + dir;
}
