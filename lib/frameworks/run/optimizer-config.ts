import type { TrainingConfig } from './training-config';

// The run's optimizer settings, as every framework's update builds its optimizer from them (the
// parameter server gets the same settings in its wire form).

export function optimizerConfig(config: TrainingConfig) {
  return config.optimizer === 'adam'
    ? { kind: 'adam' as const, lr: config.lr, weightDecay: config.weightDecay }
    : { kind: 'sgd' as const, lr: config.lr, momentum: config.momentum, weightDecay: config.weightDecay };
}
