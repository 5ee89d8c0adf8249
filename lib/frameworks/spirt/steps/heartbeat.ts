import type { SpirtDeps } from '../deps';
import type { RoundEvent } from '../events';
import { openSelf, recordUsage } from '../peer';
import { pingPeer } from '../peer-db';

// A dead database refuses the connection at once; the timeout only bounds a hung one. 1 s was
// too short for a healthy peer's connect + AUTH + PING on a loaded machine.
const PING_TIMEOUT_MS = 3_000;

/**
 * check_heartbeat: pings every trusted peer's database with a short timeout. A peer that does not
 * answer, or did not finish the round in time, becomes inactive (aggregation skips it); an
 * inactive peer that answers and finished is active again.
 */
export async function checkHeartbeat(event: RoundEvent, deps: SpirtDeps): Promise<{ active: number[]; inactive: number[] }> {
  const { runId, peer, round } = event;
  const self = await openSelf(deps, runId, peer);
  const trusted = await self.db.redis.hgetall(self.keys.trusted);
  const credentials = await self.db.redis.hgetall(self.keys.credentials);
  const finished = new Set(await self.db.redis.smembers(self.keys.finished(round)));
  const verdicts = await Promise.all(Object.entries(trusted).map(async ([id, json]) => {
    const { endpoint } = JSON.parse(json) as { endpoint: string };
    const password = credentials[id];
    const alive = password !== undefined && finished.has(id) && await pingPeer({ endpoint, password }, PING_TIMEOUT_MS);
    return { id: Number(id), alive };
  }));
  const active = verdicts.filter((v) => v.alive).map((v) => v.id).sort((a, b) => a - b);
  const inactive = verdicts.filter((v) => !v.alive).map((v) => v.id).sort((a, b) => a - b);
  const before = new Set(await self.db.redis.smembers(self.keys.inactive));
  const m = self.db.redis.multi();
  for (const id of inactive) m.sadd(self.keys.inactive, String(id));
  for (const id of active) m.srem(self.keys.inactive, String(id));
  await m.exec();
  const newlyInactive = inactive.filter((id) => !before.has(String(id)));
  const back = active.filter((id) => before.has(String(id)));
  if (newlyInactive.length || back.length) deps.log.warn('peer activity changed', { runId, peer, round, newlyInactive, back });
  await recordUsage(self, deps.traffic.snapshot());
  return { active, inactive };
}
