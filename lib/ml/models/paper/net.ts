/**
 * The building blocks of the papers' networks as plain tfjs ops over named parameters. A network
 * is a forward function over a Net; the Net supplies parameters by name (declaring them on the
 * first, shape-finding pass, which fixes the flat layout in order of first use) and decides how
 * batch norm normalises:
 *   - 'batch': training mode, the batch's own mean and variance;
 *   - 'record': training mode, and each layer's per-channel sums of x and x² are accumulated
 *     (precise-BN calibration, see calibration.ts);
 *   - 'population': fixed per-layer mean and variance (evaluation).
 * Batch norm has no running statistics: they are not model state (docs/models.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamInit } from './param-init';

export const BN_EPSILON = 1e-5;

export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

export interface ChannelSums {
  sum: Float64Array;
  sumSquares: Float64Array;
  count: number;
}

export type BatchNormMode =
  | { kind: 'batch' }
  | { kind: 'record'; sums: Map<string, ChannelSums> }
  | { kind: 'population'; stats: Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }> };

/** Where parameters come from: declared on the shape-finding pass, variables afterwards. */
export interface ParamSource {
  get(spec: ParamSpec): tf.Tensor;
}

export interface ConvOptions {
  filters: number;
  kernel: number;
  stride?: number;
  bias?: boolean;
}

export class Net {
  constructor(
    private readonly params: ParamSource,
    private readonly bnMode: BatchNormMode,
    /** Seed of this pass's dropout masks; undefined means no dropout (evaluation). */
    readonly dropoutSeed?: number,
  ) {}

  param(name: string, shape: number[], init: ParamInit): tf.Tensor {
    return this.params.get({ name, shape, init });
  }

  /** 'same' convolution, k×k at stride s (He-initialised kernel, optional zero bias). */
  conv(name: string, x: tf.Tensor4D, o: ConvOptions): tf.Tensor4D {
    const inChannels = x.shape[3];
    const kernel = this.param(`${name}/kernel`, [o.kernel, o.kernel, inChannels, o.filters], { kind: 'he-normal', fanOut: o.kernel * o.kernel * o.filters });
    const y = tf.conv2d(x, kernel as tf.Tensor4D, o.stride ?? 1, 'same');
    return o.bias ? tf.add(y, this.param(`${name}/bias`, [o.filters], { kind: 'zeros' })) : y;
  }

  /** Depthwise k×k convolution at stride s, one filter per channel, no bias. */
  depthwise(name: string, x: tf.Tensor4D, kernel: number, stride: number): tf.Tensor4D {
    const channels = x.shape[3];
    const w = this.param(`${name}/depthwise_kernel`, [kernel, kernel, channels, 1], { kind: 'he-normal', fanOut: kernel * kernel });
    return tf.depthwiseConv2d(x, w as tf.Tensor4D, stride, 'same');
  }

  dense(name: string, x: tf.Tensor2D, units: number): tf.Tensor2D {
    const kernel = this.param(`${name}/kernel`, [x.shape[1], units], { kind: 'glorot-uniform' });
    const bias = this.param(`${name}/bias`, [units], { kind: 'zeros' });
    return tf.add(tf.matMul(x, kernel as tf.Tensor2D), bias);
  }

  /** Batch norm over [n, h, w, c] with learned scale γ (starts at 1) and offset β (starts at 0). */
  batchNorm(name: string, x: tf.Tensor4D): tf.Tensor4D {
    const channels = x.shape[3];
    const gamma = this.param(`${name}/gamma`, [channels], { kind: 'ones' });
    const beta = this.param(`${name}/beta`, [channels], { kind: 'zeros' });
    const { mean, variance } = this.statistics(name, x);
    const scale = tf.mul(tf.rsqrt(tf.add(variance, BN_EPSILON)), gamma);
    return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
  }

  /** Inverted dropout with a mask from this pass's seed (reproducible on every process). */
  dropout(x: tf.Tensor2D, rate: number, maskFor: (seed: number, size: number) => Float32Array): tf.Tensor2D {
    if (this.dropoutSeed === undefined || rate === 0) return x;
    const mask = tf.tensor2d(maskFor(this.dropoutSeed, x.size), x.shape);
    return tf.mul(x, tf.mul(mask, 1 / (1 - rate)));
  }

  private statistics(name: string, x: tf.Tensor4D): { mean: tf.Tensor; variance: tf.Tensor } {
    if (this.bnMode.kind === 'population') {
      const stats = this.bnMode.stats.get(name);
      if (stats === undefined) throw new Error(`batch norm ${name}: no population statistics`);
      return stats;
    }
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    if (this.bnMode.kind === 'record') this.record(name, x, mean, variance);
    return { mean, variance };
  }

  private record(name: string, x: tf.Tensor4D, mean: tf.Tensor, variance: tf.Tensor): void {
    if (this.bnMode.kind !== 'record') return;
    addChannelSums(this.bnMode.sums, name, mean.dataSync(), variance.dataSync(), x.shape[0] * x.shape[1] * x.shape[2]);
  }
}

/** Adds one batch's per-channel mean and variance over `count` values to a layer's sums of x and x². */
export function addChannelSums(sums: Map<string, ChannelSums>, name: string, mean: ArrayLike<number>, variance: ArrayLike<number>, count: number): void {
  let entry = sums.get(name);
  if (entry === undefined) {
    entry = { sum: new Float64Array(mean.length), sumSquares: new Float64Array(mean.length), count: 0 };
    sums.set(name, entry);
  }
  for (let c = 0; c < mean.length; c++) {
    entry.sum[c] += mean[c] * count;
    entry.sumSquares[c] += (variance[c] + mean[c] * mean[c]) * count;
  }
  entry.count += count;
}

export function relu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.relu(x);
}

/** x · relu6(x + 3) / 6 */
export function hardSwish<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, hardSigmoid(x));
}

/** relu6(x + 3) / 6 */
export function hardSigmoid<T extends tf.Tensor>(x: T): T {
  return tf.div(tf.relu6(tf.add(x, 3)), 6);
}

/** Global average pool: [n, h, w, c] → [n, c]. */
export function globalAveragePool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
