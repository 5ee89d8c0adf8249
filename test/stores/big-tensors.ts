// The parameter counts of the papers' models (float32, 4 bytes each) and a deterministic tensor of
// any size to send through the channels: values that are not all alike, so a misplaced slice shows.

/** ResNet-18 for CIFAR-10: 44.7 MB. */
export const RESNET18_PARAMS = 11_173_962;
/** MobileNet v1 for CIFAR-10: 12.9 MB. */
export const MOBILENET_V1_PARAMS = 3_217_226;

export function bigTensor(length: number, seed: number): Float32Array {
  const values = new Float32Array(length);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    values[i] = x / 2 ** 32 - 0.5;
  }
  return values;
}
