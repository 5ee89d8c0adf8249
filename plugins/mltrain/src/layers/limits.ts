// Lambda's package limits (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): a zip
// uploaded directly is at most 50 MB; a function's code and all its layers, unzipped, at most
// 250 MB. A layer also has its own, smaller budget from its declaration.

export const LAMBDA_LIMITS = {
  zippedDirectUploadBytes: 50 * 1024 * 1024,
  unzippedFunctionAndLayersBytes: 262_144_000,
} as const;

export interface Contributor {
  name: string;
  bytes: number;
}

export class LayerSizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerSizeError';
  }
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${(bytes / 1024).toFixed(1)} KB`;
}

/** "a 12.0 MB, b 3.1 MB, ...": the largest first, so the message says what to cut. */
export function largest(contributors: readonly Contributor[], n = 5): string {
  return [...contributors].sort((a, b) => b.bytes - a.bytes).slice(0, n).map((c) => `${c.name} ${formatBytes(c.bytes)}`).join(', ');
}

/** Sums file sizes by a grouping key (package, top-level folder). */
export function contributorsBy<T>(items: readonly T[], key: (item: T) => string, size: (item: T) => number): Contributor[] {
  const sums = new Map<string, number>();
  for (const item of items) sums.set(key(item), (sums.get(key(item)) ?? 0) + size(item));
  return [...sums].map(([name, bytes]) => ({ name, bytes }));
}

export interface LayerSize {
  layer: string;
  zippedBytes: number;
  unzippedBytes: number;
  budget: { zippedMb: number; unzippedMb: number };
  contributors: Contributor[];
}

/** Throws naming the largest contributors when a layer exceeds Lambda's limit or its own budget. */
export function checkLayerSize(s: LayerSize): void {
  const mb = 1024 * 1024;
  const problems: string[] = [];
  if (s.zippedBytes > LAMBDA_LIMITS.zippedDirectUploadBytes) {
    problems.push(`${formatBytes(s.zippedBytes)} zipped, over Lambda's ${formatBytes(LAMBDA_LIMITS.zippedDirectUploadBytes)} limit for a zip`);
  } else if (s.zippedBytes > s.budget.zippedMb * mb) {
    problems.push(`${formatBytes(s.zippedBytes)} zipped, over its budget of ${s.budget.zippedMb} MB (layers/${s.layer}/layer.json)`);
  }
  if (s.unzippedBytes > LAMBDA_LIMITS.unzippedFunctionAndLayersBytes) {
    problems.push(`${formatBytes(s.unzippedBytes)} unzipped, over Lambda's ${formatBytes(LAMBDA_LIMITS.unzippedFunctionAndLayersBytes)} limit for a function and its layers`);
  } else if (s.unzippedBytes > s.budget.unzippedMb * mb) {
    problems.push(`${formatBytes(s.unzippedBytes)} unzipped, over its budget of ${s.budget.unzippedMb} MB (layers/${s.layer}/layer.json)`);
  }
  if (problems.length) throw new LayerSizeError(`layer ${s.layer} is ${problems.join(' and ')}; largest contributors: ${largest(s.contributors)}`);
}

/** Throws when a function's own code plus its layers, unzipped, exceed Lambda's 250 MB. */
export function checkFunctionSize(fn: string, code: Contributor[], layers: LayerSize[]): number {
  const parts = [...code, ...layers.map((l) => ({ name: `layer ${l.layer}`, bytes: l.unzippedBytes }))];
  const total = parts.reduce((s, p) => s + p.bytes, 0);
  if (total > LAMBDA_LIMITS.unzippedFunctionAndLayersBytes) {
    throw new LayerSizeError(`function ${fn} is ${formatBytes(total)} unzipped with its layers, over Lambda's ${formatBytes(LAMBDA_LIMITS.unzippedFunctionAndLayersBytes)} limit; largest contributors: ${largest(parts)}`);
  }
  return total;
}
