// How the DynamoDB channel lays keys out in its table. The plugin (CloudFormation) and the local
// runtime (dynalite) create the table from these names, the store reads and writes by them.
//
//   head  pk = "k:" + partition(key)   sk = key    v (inline value) | parts + version; size; expiresAt
//   part  pk = "p:" + version          sk = 00000… v (one slice of a large value); expiresAt
//
// partition(key) is the key up to its second '/' ("runs/<runId>/"), so listing a run's keys is one
// paginated Query. Heads are small or inline; the bytes of a large value go to parts, each under a
// partition of its own (a fresh version id per write), so large transfers spread over partitions.

export const DYNAMO_CHANNEL_TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
} as const;

/** Item limit 400 KB, key attributes and names included: a slice leaves room for the longest key. */
export const DYNAMO_PART_BYTES = 350 * 1024;
/** DynamoDB sort keys are at most 1,024 bytes. */
export const DYNAMO_MAX_KEY_BYTES = 1024;
const PARTITION_DEPTH = 2;

/** The key's first two directories ("runs/<runId>/"), or its directory when it has fewer. */
export function partitionOf(key: string): string {
  let end = -1;
  for (let depth = 0; depth < PARTITION_DEPTH; depth++) {
    const slash = key.indexOf('/', end + 1);
    if (slash < 0) return key.slice(0, end + 1);
    end = slash;
  }
  return key.slice(0, end + 1);
}

/** The one partition every key under the prefix lives in, or undefined when they may be spread out. */
export function partitionOfPrefix(prefix: string): string | undefined {
  const slashes = prefix.split('/').length - 1;
  return slashes >= PARTITION_DEPTH ? partitionOf(prefix) : undefined;
}

export const headPk = (key: string): string => `k:${partitionOf(key)}`;
export const partPk = (version: string): string => `p:${version}`;
export const partSk = (index: number): string => String(index).padStart(5, '0');
