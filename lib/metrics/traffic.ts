// Bytes and requests per store, counted where the requests are made (the store implementations).

export const REQUEST_KINDS = ['s3', 'sqs', 'redis', 'memcached', 'dynamodb', 'lambdaInvocations', 'stateTransitions', 'parameterServer'] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface TrafficSnapshot {
  bytesWritten: number;
  bytesRead: number;
  requests: Record<RequestKind, number>;
  /** S3 PUT/LIST requests, priced higher than GETs (the s3 count includes them). */
  s3WriteRequests: number;
  /** The bytes above, per store (snapshots built elsewhere, e.g. from counters kept in Redis, may lack it). */
  bytesByKind?: Record<RequestKind, { written: number; read: number }>;
}

type CountedTraffic = Required<TrafficSnapshot>;

export function emptyTraffic(): CountedTraffic {
  const requests = Object.fromEntries(REQUEST_KINDS.map((k) => [k, 0])) as Record<RequestKind, number>;
  const bytesByKind = Object.fromEntries(REQUEST_KINDS.map((k) => [k, { written: 0, read: 0 }])) as Record<RequestKind, { written: number; read: number }>;
  return { bytesWritten: 0, bytesRead: 0, requests, s3WriteRequests: 0, bytesByKind };
}

/** Tolerates snapshots stored before bytes were counted per store. */
function bytesOf(t: TrafficSnapshot, kind: RequestKind): { written: number; read: number } {
  return (t.bytesByKind as Partial<CountedTraffic['bytesByKind']> | undefined)?.[kind] ?? { written: 0, read: 0 };
}

export class TrafficCounter {
  private totals: CountedTraffic = emptyTraffic();

  wrote(kind: RequestKind, bytes: number): void {
    this.totals.bytesWritten += bytes;
    this.totals.bytesByKind[kind].written += bytes;
    this.totals.requests[kind] += 1;
    if (kind === 's3') this.totals.s3WriteRequests += 1;
  }

  /** An S3 request in the PUT/COPY/POST/LIST price class that moves no payload (LIST). */
  s3Listed(): void {
    this.totals.requests.s3 += 1;
    this.totals.s3WriteRequests += 1;
  }

  read(kind: RequestKind, bytes: number): void {
    this.totals.bytesRead += bytes;
    this.totals.bytesByKind[kind].read += bytes;
    this.totals.requests[kind] += 1;
  }

  request(kind: RequestKind, count = 1): void {
    this.totals.requests[kind] += count;
  }

  snapshot(): CountedTraffic {
    return addTraffic(emptyTraffic(), this.totals);
  }

  /** Continue counting from an earlier snapshot (a re-invoked worker resumes its totals). */
  restore(snapshot: TrafficSnapshot): void {
    this.totals = addTraffic(emptyTraffic(), snapshot);
  }
}

export function addTraffic(a: TrafficSnapshot, b: TrafficSnapshot): CountedTraffic {
  const sum = emptyTraffic();
  sum.bytesWritten = a.bytesWritten + b.bytesWritten;
  sum.bytesRead = a.bytesRead + b.bytesRead;
  sum.s3WriteRequests = (a.s3WriteRequests ?? 0) + (b.s3WriteRequests ?? 0);
  for (const k of REQUEST_KINDS) {
    sum.requests[k] = (a.requests[k] ?? 0) + (b.requests[k] ?? 0);
    sum.bytesByKind[k] = { written: bytesOf(a, k).written + bytesOf(b, k).written, read: bytesOf(a, k).read + bytesOf(b, k).read };
  }
  return sum;
}

export function subtractTraffic(later: TrafficSnapshot, earlier: TrafficSnapshot): CountedTraffic {
  const diff = emptyTraffic();
  diff.bytesWritten = later.bytesWritten - earlier.bytesWritten;
  diff.bytesRead = later.bytesRead - earlier.bytesRead;
  diff.s3WriteRequests = later.s3WriteRequests - earlier.s3WriteRequests;
  for (const k of REQUEST_KINDS) {
    diff.requests[k] = later.requests[k] - earlier.requests[k];
    diff.bytesByKind[k] = { written: bytesOf(later, k).written - bytesOf(earlier, k).written, read: bytesOf(later, k).read - bytesOf(earlier, k).read };
  }
  return diff;
}
