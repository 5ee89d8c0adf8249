import type { ClaimLedger } from '../functions/idempotency';
import type { ObjectStore } from './types';

// Step claims in the bucket: a conditional PUT (If-None-Match: *) is the atomic claim. Results are
// kept as long as the run's other objects (the bucket has no per-key expiry here), and a claim is
// never taken over: an invocation that dies without releasing it has failed its run anyway.

export class ObjectClaimLedger implements ClaimLedger {
  constructor(private readonly store: ObjectStore) {
    if (!store.saveIfAbsent) throw new Error(`the ${store.kind} store cannot create a key only if absent, so it cannot hold step claims`);
  }

  claim(key: string, token: string): Promise<boolean> {
    return this.store.saveIfAbsent!(key, Buffer.from(token));
  }

  async read(key: string): Promise<string | undefined> {
    return (await this.store.load(key))?.toString('utf8');
  }

  async record(key: string, result: string): Promise<void> {
    await this.store.save(key, Buffer.from(result));
  }

  async release(key: string, token: string): Promise<void> {
    if ((await this.read(key)) === token) await this.store.delete([key]);
  }
}
