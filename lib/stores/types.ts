import type { WaitOptions } from '../util/wait';

export type StoreKind = 's3' | 'redis' | 'memcached' | 'dynamodb';

export interface LoadOrWaitOptions extends WaitOptions {
  /** Called between attempts; throws to abandon the wait (e.g. the run was marked failed). */
  checkAbort?: () => Promise<void>;
  /** How often to call checkAbort, in milliseconds. */
  abortCheckIntervalMs?: number;
}

/**
 * LambdaML's storage layer: the channel through which stateless functions exchange bytes.
 * Every implementation behaves the same; what a backend cannot do natively it emulates.
 */
export interface ObjectStore {
  readonly kind: StoreKind;
  save(key: string, bytes: Uint8Array): Promise<void>;
  /** Creates the key only if it does not exist (atomically); false when it already did. */
  saveIfAbsent?(key: string, bytes: Uint8Array): Promise<boolean>;
  /** The value, or undefined when the key does not exist. */
  load(key: string): Promise<Buffer | undefined>;
  /** Waits (bounded, with back-off) until the key exists. */
  loadOrWait(key: string, opts: LoadOrWaitOptions): Promise<Buffer>;
  delete(keys: string[]): Promise<void>;
  /** Every key under the prefix (all pages). */
  list(prefix: string): Promise<string[]>;
  /** Deletes every key under the prefix; returns how many. */
  clear(prefix: string): Promise<number>;
}
