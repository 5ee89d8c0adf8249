// Checkpoints are those of every LambdaML collective worker.
export { loadCheckpoint, saveCheckpoint, type EpochStats, type WorkerState } from '../collective/checkpoint';
