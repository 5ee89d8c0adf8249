// Combining the peers' averaged gradients (SPIRT's Aggregation): the mean, or a coordinate-wise
// median or trimmed mean, which a minority of Byzantine peers cannot drag arbitrarily far.
// Float64 accumulation, float32 results: the same numbers the tensor module produces.

export type AggregationRule = 'mean' | 'median' | 'trimmed-mean';

/** Values dropped at each end by the trimmed mean of n peers: a quarter, at least one from 3 peers. */
export function trimCount(n: number): number {
  return n >= 3 ? Math.max(1, Math.floor(n / 4)) : 0;
}

export function aggregate(vectors: readonly Float32Array[], rule: AggregationRule): Float32Array {
  if (vectors.length === 0) throw new Error('aggregate: no vectors to combine');
  const n = vectors[0].length;
  for (const [i, v] of vectors.entries()) {
    if (v.length !== n) throw new Error(`aggregate: vector ${i} has length ${v.length}, expected ${n}`);
  }
  const out = new Float32Array(n);
  const k = vectors.length;
  if (rule === 'mean') {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += vectors[i][j];
      out[j] = sum / k;
    }
    return out;
  }
  const trim = rule === 'median' ? 0 : trimCount(k);
  const column = new Float64Array(k);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < k; i++) column[i] = vectors[i][j];
    column.sort();
    if (rule === 'median') {
      out[j] = k % 2 ? column[(k - 1) / 2] : (column[k / 2 - 1] + column[k / 2]) / 2;
    } else {
      let sum = 0;
      for (let i = trim; i < k - trim; i++) sum += column[i];
      out[j] = sum / (k - 2 * trim);
    }
  }
  return out;
}
