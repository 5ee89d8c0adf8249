// The ps service takes the same events as AllReduce: a trigger event with an optional runId,
// the training options and the dataset manifest; a worker event with rank, numWorkers and the
// invocation number. Names and numbers only: no data, no secrets, no server address.

export { triggerEventSchema, workerEventSchema, type TriggerEvent, type WorkerEvent } from '../allreduce/events';
