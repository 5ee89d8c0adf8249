/**
 * What the module must compute, written plainly in TypeScript: float64 arithmetic, one rounding to
 * float32 per element (Math.fround), sums in the order the contract states. The mean is the
 * product's own meanOf (lib/ml/tensor).
 */

// Hoisted: a global lookup per element is slow inside jest's sandbox.
const { fround } = Math;

/** params − lr · grads. */
export function sgdReference(params: Float32Array, lr: number, grads: Float32Array): Float32Array {
  return params.map((p, i) => fround(p - lr * grads[i]));
}

/** Element-wise sum in source order. */
export function sumOf(sources: Float32Array[]): Float32Array {
  return sources[0].map((_, i) => {
    let sum = 0;
    for (const s of sources) sum += s[i];
    return fround(sum);
  });
}

function sortedColumn(sources: Float32Array[], i: number): number[] {
  return sources.map((s) => s[i]).sort((a, b) => a - b);
}

/** The middle value, or the mean of the two middle values for an even count. */
export function medianOf(sources: Float32Array[]): Float32Array {
  const n = sources.length;
  return sources[0].map((_, i) => {
    const v = sortedColumn(sources, i);
    return n % 2 ? v[(n - 1) / 2] : fround((v[n / 2 - 1] + v[n / 2]) / 2);
  });
}

/** The mean of what is left after dropping the k lowest and k highest, summed in ascending order. */
export function trimmedMeanOf(sources: Float32Array[], k: number): Float32Array {
  return sources[0].map((_, i) => {
    const kept = sortedColumn(sources, i).slice(k, sources.length - k);
    let sum = 0;
    for (const x of kept) sum += x;
    return fround(sum / kept.length);
  });
}
