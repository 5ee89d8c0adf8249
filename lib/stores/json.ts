import type { ObjectStore } from './types';

// Messages and metadata are JSON; tensors are raw float32 (see lib/ml/tensor).

export async function saveJson(store: ObjectStore, key: string, value: unknown): Promise<void> {
  await store.save(key, Buffer.from(JSON.stringify(value)));
}

export async function loadJson<T = unknown>(store: ObjectStore, key: string): Promise<T | undefined> {
  const bytes = await store.load(key);
  if (bytes === undefined) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (err) {
    throw new Error(`object ${key} in the ${store.kind} store is not valid JSON: ${(err as Error).message}`);
  }
}
