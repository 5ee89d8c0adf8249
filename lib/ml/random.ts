/**
 * Seeded pseudo-random numbers. Every worker and peer must derive the same initial model and the
 * same data shards from a shared seed, so nothing here may touch Math.random or tfjs's unseeded
 * generators. The generator is sfc32 (small, fast, passes PractRand) seeded through splitmix32.
 */

export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  uint32(): number;
  /** Standard normal (mean 0, variance 1), Box–Muller. */
  normal(): number;
  /** Uniform integer in [0, n), exactly unbiased (rejection sampling); n in [1, 2^32]. */
  int(n: number): number;
}

const TWO_POW_32 = 4294967296;
// Hoisted: a global lookup per call costs ~50× more inside sandboxes such as jest's.
const { imul, sqrt, log, sin, cos, floor, PI } = Math;

function assertSafeInteger(value: number, what: string): void {
  if (!Number.isSafeInteger(value)) {
    throw new Error(`${what} must be a safe integer, got ${value}`);
  }
}

/** murmur3's finaliser: spreads every input bit over the whole 32-bit word. */
function avalanche32(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** murmur3's per-word step: folds one 32-bit word into the running hash. */
function mixWord(h: number, word: number): number {
  let k = imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (imul(h, 5) + 0xe6546b64) | 0;
}

/** Low and high 32-bit words of a safe integer (two's complement for negatives). */
function splitWords(value: number): [number, number] {
  const low = value >>> 0;
  const high = floor(value / TWO_POW_32) >>> 0;
  return [low, high];
}

/**
 * Mixes integers into one 32-bit seed, order-sensitively: deriveSeed(seed, epoch, rank) gives each
 * (epoch, rank) its own independent stream while staying reproducible from the run's seed.
 */
export function deriveSeed(...parts: number[]): number {
  if (parts.length === 0) throw new Error('deriveSeed needs at least one part');
  let h = 0x5eed5eed;
  parts.forEach((part, index) => {
    assertSafeInteger(part, `deriveSeed part ${index}`);
    const [low, high] = splitWords(part);
    h = mixWord(mixWord(h, low), high);
  });
  return avalanche32(h ^ (parts.length * 8));
}

export function createRng(seed: number): Rng {
  assertSafeInteger(seed, 'seed');
  // splitmix32 turns one seed (even 0) into four well-mixed, non-zero-ish state words.
  let splitState = deriveSeed(seed);
  const splitmix = (): number => {
    splitState = (splitState + 0x9e3779b9) | 0;
    return avalanche32(splitState);
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();

  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) uint32(); // discard the first outputs, as sfc32's author recommends

  const next = (): number => uint32() / TWO_POW_32;

  let spareNormal: number | undefined;
  const normal = (): number => {
    if (spareNormal !== undefined) {
      const value = spareNormal;
      spareNormal = undefined;
      return value;
    }
    const u1 = 1 - next(); // in (0, 1], so log never sees 0
    const u2 = next();
    const radius = sqrt(-2 * log(u1));
    const angle = 2 * PI * u2;
    spareNormal = radius * sin(angle);
    return radius * cos(angle);
  };

  const int = (n: number): number => {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new Error(`int(n) needs an integer n in [1, 2^32], got ${n}`);
    }
    // Reject the top sliver of the 32-bit range that would make some residues more likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const u = uint32();
      if (u < limit) return u % n;
    }
  };

  return { next, uint32, normal, int };
}

/** A seeded Fisher–Yates permutation of 0..count-1. */
export function shuffledIndices(count: number, seed: number): Uint32Array {
  if (!Number.isInteger(count) || count < 0 || count >= TWO_POW_32) {
    throw new Error(`count must be an integer in [0, 2^32), got ${count}`);
  }
  const indices = new Uint32Array(count);
  for (let i = 0; i < count; i++) indices[i] = i;
  const rng = createRng(seed);
  for (let i = count - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = indices[i];
    indices[i] = indices[j];
    indices[j] = swap;
  }
  return indices;
}
