// The allreduce service's events are those of every LambdaML collective.
export { triggerEventSchema, workerEventSchema, type TriggerEvent, type WorkerEvent } from '../collective/events';
