import { waitFor } from '../util/wait';
import type { LoadOrWaitOptions } from './types';

/** Shared loadOrWait for every store: poll `load` with back-off, checking for abort now and then. */
export async function pollLoad(
  key: string,
  load: (key: string) => Promise<Buffer | undefined>,
  opts: LoadOrWaitOptions,
): Promise<Buffer> {
  const interval = opts.abortCheckIntervalMs ?? 1000;
  let lastCheck = Date.now();
  return waitFor(`key ${key}`, async () => {
    const value = await load(key);
    if (value !== undefined) return value;
    if (opts.checkAbort && Date.now() - lastCheck >= interval) {
      lastCheck = Date.now();
      await opts.checkAbort();
    }
    return undefined;
  }, opts);
}
