/**
 * Builds the native engine's graph description (native/src/graph.h) of a network with the same
 * vocabulary as models/paper/net.ts: each call appends one node (10 integers) and declares its
 * parameters in the same order, names, shapes and initialisers as the tfjs Net does, so the
 * layout and initial parameters are identical (test/ml/native-paper.test.ts checks it).
 */
import { featureCount } from '../models/architectures';
import type { ParamInit } from '../models/paper/param-init';
import type { LayoutEntry } from '../models/types';

const OP = { conv: 0, batchNorm: 1, relu: 2, hardSwish: 3, add: 4, globalAveragePool: 5, dense: 6, squeezeExciteScale: 7, dropout: 8 } as const;
const IMAGE = -1;

/** A node's output: [n, height, width, channels] (dense and pooled outputs are 1×1×c). */
export interface GraphTensor {
  id: number;
  height: number;
  width: number;
  channels: number;
}

export interface PaperGraph {
  ops: Int32Array;
  layout: LayoutEntry[];
  inits: ParamInit[];
  numParams: number;
  /** Keep-mask of the one dropout node for a pass's seed, already scaled by 1 / (1 − rate). */
  dropout?: { size: number; scaledMask: (seed: number, size: number) => Float32Array };
}

export class GraphBuilder {
  private readonly fields: number[] = [];
  private readonly layout: LayoutEntry[] = [];
  private readonly inits: ParamInit[] = [];
  private numParams = 0;
  private dropoutNode: PaperGraph['dropout'];
  private count = 0;

  constructor(private readonly imageShape: [number, number, number]) {}

  image(): GraphTensor {
    const [height, width, channels] = this.imageShape;
    return { id: IMAGE, height, width, channels };
  }

  /** 'same' convolution without bias (k×k, stride s); depthwise keeps the channels. */
  conv(name: string, x: GraphTensor, o: { filters: number; kernel: number; stride?: number }): GraphTensor {
    const stride = o.stride ?? 1;
    this.param(`${name}/kernel`, [o.kernel, o.kernel, x.channels, o.filters], { kind: 'he-normal', fanOut: o.kernel * o.kernel * o.filters });
    return this.node(OP.conv, x, undefined, { outChannels: o.filters, kernel: o.kernel, stride }, this.strided(x, stride, o.filters));
  }

  depthwise(name: string, x: GraphTensor, kernel: number, stride: number): GraphTensor {
    this.param(`${name}/depthwise_kernel`, [kernel, kernel, x.channels, 1], { kind: 'he-normal', fanOut: kernel * kernel });
    return this.node(OP.conv, x, undefined, { outChannels: x.channels, kernel, stride, flag: 1 }, this.strided(x, stride, x.channels));
  }

  batchNorm(name: string, x: GraphTensor): GraphTensor {
    this.param(`${name}/gamma`, [x.channels], { kind: 'ones' });
    this.param(`${name}/beta`, [x.channels], { kind: 'zeros' });
    return this.node(OP.batchNorm, x, undefined, {}, x);
  }

  /** Dense layer on a 1×1×in tensor; a 1×1 convolution with bias on a pooled tensor is the same product. */
  dense(name: string, x: GraphTensor, units: number, o: { relu?: boolean; kernelShape?: number[] } = {}): GraphTensor {
    if (x.height !== 1 || x.width !== 1) throw new Error(`${name}: dense needs a pooled (1×1) input`);
    this.param(`${name}/kernel`, o.kernelShape ?? [x.channels, units], o.kernelShape ? { kind: 'he-normal', fanOut: units } : { kind: 'glorot-uniform' });
    this.param(`${name}/bias`, [units], { kind: 'zeros' });
    return this.node(OP.dense, x, undefined, { outChannels: units, flag: o.relu ? 1 : 0 }, { ...x, channels: units });
  }

  relu(x: GraphTensor): GraphTensor {
    return this.node(OP.relu, x, undefined, {}, x);
  }

  hardSwish(x: GraphTensor): GraphTensor {
    return this.node(OP.hardSwish, x, undefined, {}, x);
  }

  add(a: GraphTensor, b: GraphTensor): GraphTensor {
    return this.node(OP.add, a, b, {}, a);
  }

  globalAveragePool(x: GraphTensor): GraphTensor {
    return this.node(OP.globalAveragePool, x, undefined, {}, { ...x, height: 1, width: 1 });
  }

  /** x · hardSigmoid(gate) with the gate's pre-activation [n, 1, 1, c]. */
  squeezeExciteScale(x: GraphTensor, gate: GraphTensor): GraphTensor {
    return this.node(OP.squeezeExciteScale, x, gate, {}, x);
  }

  dropout(x: GraphTensor, rate: number, maskFor: (seed: number, size: number) => Float32Array): GraphTensor {
    if (this.dropoutNode !== undefined) throw new Error('a native graph has at most one dropout');
    const scale = Math.fround(1 / (1 - rate));
    this.dropoutNode = { size: featureCount([x.height, x.width, x.channels]), scaledMask: (seed, size) => maskFor(seed, size).map((m) => m * scale) };
    return this.node(OP.dropout, x, undefined, {}, x);
  }

  build(): PaperGraph {
    return { ops: Int32Array.from(this.fields), layout: this.layout, inits: this.inits, numParams: this.numParams, dropout: this.dropoutNode };
  }

  private strided(x: GraphTensor, stride: number, channels: number): Omit<GraphTensor, 'id'> {
    return { height: Math.ceil(x.height / stride), width: Math.ceil(x.width / stride), channels };
  }

  private param(name: string, shape: number[], init: ParamInit): void {
    const size = featureCount(shape);
    this.layout.push({ name, shape, offset: this.numParams, size });
    this.inits.push(init);
    this.numParams += size;
  }

  private node(
    kind: number,
    x: GraphTensor,
    second: GraphTensor | undefined,
    o: { outChannels?: number; kernel?: number; stride?: number; flag?: number },
    out: Omit<GraphTensor, 'id'>,
  ): GraphTensor {
    this.fields.push(kind, x.id, second?.id ?? IMAGE, x.height, x.width, x.channels, o.outChannels ?? 0, o.kernel ?? 0, o.stride ?? 0, o.flag ?? 0);
    return { id: this.count++, height: out.height, width: out.width, channels: out.channels };
  }
}
