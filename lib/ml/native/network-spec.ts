/**
 * The native engine's description of each model kind: the same layers, names and parameter order
 * as the tf.layers networks of models/architectures.ts (test/ml/native-engine.test.ts checks that
 * the layouts are identical), encoded as 7 integers per layer for native/src/network.h.
 */
import { featureCount, imageShape } from '../models/architectures';
import type { LayoutEntry, ModelKind, ModelSpec } from '../models/types';

const DENSE = 0;
const CONV = 1;
const MAX_POOL = 2;
export const LOSS_CODES = { 'softmax-cross-entropy': 0, 'crammer-singer-hinge': 1 } as const;

interface NativeLayer {
  name?: string; // layers with parameters
  /** [type, height, width, channels, units | filters | window, kernel, relu] */
  fields: number[];
  kernelShape?: number[];
  units?: number;
}

export interface NativeNetworkSpec {
  layers: Int32Array;
  loss: number;
  layout: LayoutEntry[];
  numParams: number;
}

function dense(name: string, inputs: number, units: number, relu: boolean): NativeLayer {
  return { name, fields: [DENSE, 1, 1, inputs, units, 0, relu ? 1 : 0], kernelShape: [inputs, units], units };
}

function cnnLayers(spec: ModelSpec): NativeLayer[] {
  const [height, width, channels] = imageShape(spec.inputShape);
  const layers: NativeLayer[] = [];
  let [h, w, c] = [height, width, channels];
  for (const [index, filters] of [8, 16].entries()) {
    layers.push({ name: `conv${index + 1}`, fields: [CONV, h, w, c, filters, 3, 1], kernelShape: [3, 3, c, filters], units: filters });
    [h, w, c] = [h - 2, w - 2, filters];
    layers.push({ fields: [MAX_POOL, h, w, c, 2, 0, 0] });
    [h, w] = [Math.floor(h / 2), Math.floor(w / 2)];
  }
  if (h < 1 || w < 1) throw new Error(`cnn inputShape [${height}, ${width}, ${channels}] is too small: need at least 10×10`);
  layers.push(dense('output', h * w * c, spec.numClasses, false));
  return layers;
}

function layersOf(kind: ModelKind, spec: ModelSpec): NativeLayer[] {
  const features = featureCount(spec.inputShape);
  if (kind === 'lr' || kind === 'svm') return [dense('linear', features, spec.numClasses, false)];
  if (kind === 'cnn') return cnnLayers(spec);
  const hidden = spec.hiddenUnits ?? [128];
  const widths = [features, ...hidden];
  const layers = hidden.map((units, i) => dense(`hidden${i + 1}`, widths[i], units, true));
  layers.push(dense('output', widths[widths.length - 1], spec.numClasses, false));
  return layers;
}

export function nativeNetworkSpec(kind: ModelKind, spec: ModelSpec): NativeNetworkSpec {
  const layers = layersOf(kind, spec);
  const layout: LayoutEntry[] = [];
  let offset = 0;
  for (const layer of layers) {
    if (layer.name === undefined || layer.kernelShape === undefined || layer.units === undefined) continue;
    for (const [suffix, shape] of [['kernel', layer.kernelShape], ['bias', [layer.units]]] as const) {
      const size = featureCount(shape);
      layout.push({ name: `${layer.name}/${suffix}`, shape: [...shape], offset, size });
      offset += size;
    }
  }
  const loss = kind === 'svm' ? LOSS_CODES['crammer-singer-hinge'] : LOSS_CODES['softmax-cross-entropy'];
  return { layers: Int32Array.from(layers.flatMap((l) => l.fields)), loss, layout, numParams: offset };
}
