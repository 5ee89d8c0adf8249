/**
 * The papers' networks (models/paper/) as native graphs: the same architecture tables and the same
 * order of layers as the tfjs forward functions, written against GraphBuilder instead of Net.
 */
import { BLOCKS as MOBILENET_BLOCKS } from '../models/paper/mobilenet';
import { BLOCKS as V3_BLOCKS, DROPOUT, dropoutMask, squeezeChannels, type BlockConfig } from '../models/paper/mobilenetv3-small';
import { STAGES } from '../models/paper/resnet18';
import type { ModelKind } from '../models/types';
import { GraphBuilder, type GraphTensor, type PaperGraph } from './paper-graph';

type GraphForward = (g: GraphBuilder, numClasses: number) => void;

function mobileNet(g: GraphBuilder, numClasses: number): void {
  let x = g.relu(g.batchNorm('stem/bn', g.conv('stem/conv', g.image(), { filters: 32, kernel: 3 })));
  MOBILENET_BLOCKS.forEach(([filters, stride], index) => {
    const name = `block${index + 1}`;
    x = g.relu(g.batchNorm(`${name}/dw_bn`, g.depthwise(`${name}/dw`, x, 3, stride)));
    x = g.relu(g.batchNorm(`${name}/pw_bn`, g.conv(`${name}/pw`, x, { filters, kernel: 1 })));
  });
  g.dense('classifier', g.globalAveragePool(x), numClasses);
}

function squeezeExcite(g: GraphBuilder, name: string, x: GraphTensor): GraphTensor {
  const squeezed = squeezeChannels(x.channels);
  const pooled = g.globalAveragePool(x);
  const reduced = g.dense(`${name}/reduce`, pooled, squeezed, { relu: true, kernelShape: [1, 1, x.channels, squeezed] });
  const gate = g.dense(`${name}/expand`, reduced, x.channels, { kernelShape: [1, 1, squeezed, x.channels] });
  return g.squeezeExciteScale(x, gate);
}

function invertedResidual(g: GraphBuilder, name: string, x: GraphTensor, b: BlockConfig): GraphTensor {
  const act = (t: GraphTensor): GraphTensor => (b.hardSwish ? g.hardSwish(t) : g.relu(t));
  let y = x;
  if (b.expanded !== x.channels) y = act(g.batchNorm(`${name}/expand_bn`, g.conv(`${name}/expand`, y, { filters: b.expanded, kernel: 1 })));
  y = act(g.batchNorm(`${name}/dw_bn`, g.depthwise(`${name}/dw`, y, b.kernel, b.stride)));
  if (b.se) y = squeezeExcite(g, `${name}/se`, y);
  y = g.batchNorm(`${name}/project_bn`, g.conv(`${name}/project`, y, { filters: b.out, kernel: 1 }));
  return b.stride === 1 && x.channels === b.out ? g.add(x, y) : y;
}

function mobileNetV3Small(g: GraphBuilder, numClasses: number): void {
  let x = g.hardSwish(g.batchNorm('stem/bn', g.conv('stem/conv', g.image(), { filters: 16, kernel: 3, stride: 2 })));
  V3_BLOCKS.forEach((block, index) => {
    x = invertedResidual(g, `block${index + 1}`, x, block);
  });
  x = g.hardSwish(g.batchNorm('last/bn', g.conv('last/conv', x, { filters: 576, kernel: 1 })));
  const features = g.hardSwish(g.dense('classifier/hidden', g.globalAveragePool(x), 1024));
  g.dense('classifier/output', g.dropout(features, DROPOUT, dropoutMask), numClasses);
}

function basicBlock(g: GraphBuilder, name: string, x: GraphTensor, filters: number, stride: number): GraphTensor {
  let y = g.relu(g.batchNorm(`${name}/bn1`, g.conv(`${name}/conv1`, x, { filters, kernel: 3, stride })));
  y = g.batchNorm(`${name}/bn2`, g.conv(`${name}/conv2`, y, { filters, kernel: 3 }));
  const reshaped = stride !== 1 || x.channels !== filters;
  const shortcut = reshaped ? g.batchNorm(`${name}/shortcut_bn`, g.conv(`${name}/shortcut`, x, { filters, kernel: 1, stride })) : x;
  return g.relu(g.add(y, shortcut));
}

function resNet18(g: GraphBuilder, numClasses: number): void {
  let x = g.relu(g.batchNorm('stem/bn', g.conv('stem/conv', g.image(), { filters: 64, kernel: 3 })));
  STAGES.forEach(([filters, stride], stage) => {
    x = basicBlock(g, `stage${stage + 1}/block1`, x, filters, stride);
    x = basicBlock(g, `stage${stage + 1}/block2`, x, filters, 1);
  });
  g.dense('classifier', g.globalAveragePool(x), numClasses);
}

const GRAPHS: Partial<Record<ModelKind, GraphForward>> = {
  mobilenet: mobileNet,
  'mobilenetv3-small': mobileNetV3Small,
  resnet18: resNet18,
};

export function paperGraph(kind: ModelKind, inputShape: [number, number, number], numClasses: number): PaperGraph {
  const forward = GRAPHS[kind];
  if (forward === undefined) throw new Error(`${kind} has no native graph (papers' networks: ${Object.keys(GRAPHS).join(', ')})`);
  const builder = new GraphBuilder(inputShape);
  forward(builder, numClasses);
  return builder.build();
}
