/**
 * Precise batch norm: population statistics of every batch-norm layer, recomputed for the current
 * parameters from a fixed set of rows. The rows go through the network in training mode in
 * chunks of CALIBRATION_CHUNK (each layer normalises with its chunk's statistics, as in training)
 * while each layer's per-channel sums of x and x² are accumulated over all rows; the population
 * mean is Σx/N and the variance Σx²/N − mean². The chunk size is fixed, so equal parameters and
 * rows give equal statistics in every process.
 */
import * as tf from '@tensorflow/tfjs';
import type { ChannelSums } from './net';

export const CALIBRATION_CHUNK = 128;

export type PopulationStats = Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D }>;

/** Runs `forwardRecording` over x (count rows of `features`) and turns the sums into statistics. */
export function populationStatistics(
  x: Float32Array,
  count: number,
  features: number,
  forwardRecording: (rows: tf.Tensor2D, sums: Map<string, ChannelSums>) => void,
): PopulationStats {
  const sums = new Map<string, ChannelSums>();
  for (let start = 0; start < count; start += CALIBRATION_CHUNK) {
    const rows = Math.min(CALIBRATION_CHUNK, count - start);
    tf.tidy(() => forwardRecording(tf.tensor2d(x.subarray(start * features, (start + rows) * features), [rows, features]), sums));
  }
  const stats: PopulationStats = new Map();
  statisticsFromSums(sums).forEach(({ mean, variance }, name) => stats.set(name, { mean: tf.tensor1d(mean), variance: tf.tensor1d(variance) }));
  return stats;
}

/** Population mean Σx/N and variance Σx²/N − mean² (never below 0) of each layer's sums. */
export function statisticsFromSums(sums: Map<string, ChannelSums>): Map<string, { mean: Float32Array; variance: Float32Array }> {
  const stats = new Map<string, { mean: Float32Array; variance: Float32Array }>();
  sums.forEach((s, name) => {
    const mean = Float32Array.from(s.sum, (v) => v / s.count);
    const variance = Float32Array.from(s.sumSquares, (v, c) => Math.max(v / s.count - (s.sum[c] / s.count) ** 2, 0));
    stats.set(name, { mean, variance });
  });
  return stats;
}

export function disposeStats(stats: PopulationStats | undefined): void {
  stats?.forEach(({ mean, variance }) => tf.dispose([mean, variance]));
}
