import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

// The service definition, loaded at run time from parameter-server.proto with @grpc/proto-loader.
// In the repository the file sits beside this module; in a bundle (a Lambda package, the server
// bundle the EC2 instance runs) the build copies it beside the bundle, which is then __dirname.

export const PROTO_FILE_NAME = 'parameter-server.proto';
export const SERVICE_NAME = 'mltrain.ps.ParameterServer';

/**
 * The largest model the server takes: 16 M float32 parameters (64 MB). The papers' largest,
 * ResNet-18 for CIFAR-10, has 11,173,962 (44.7 MB), so it fits with 43% to spare.
 */
export const MAX_PARAMS = 16_000_000;
/**
 * Largest message either side accepts: the largest model plus 1 MB for the other fields and
 * framing. gRPC's default (4 MB received) would refuse MobileNet v1's 12.9 MB already.
 */
export const MAX_MESSAGE_BYTES = MAX_PARAMS * 4 + 1024 * 1024;

export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
};

export function protoPath(dir: string = __dirname): string {
  const file = path.join(dir, PROTO_FILE_NAME);
  if (!existsSync(file)) throw new Error(`${PROTO_FILE_NAME} not found in ${dir}: a bundle must ship it beside itself`);
  return file;
}

// Field names stay as written in the .proto (snake_case); uint32 and double are plain numbers,
// bytes are Buffers, and absent fields read as their defaults (proto3).
const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, defaults: true, longs: Number, enums: String, oneofs: true };

let loaded: { service: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } | undefined;

export function parameterServerDefinition(): { service: grpc.ServiceDefinition; Client: grpc.ServiceClientConstructor } {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(protoPath(), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { mltrain: { ps: { ParameterServer: grpc.ServiceClientConstructor } } };
  const Client = pkg.mltrain.ps.ParameterServer;
  loaded = { service: Client.service, Client };
  return loaded;
}

// The messages, as the loader options above decode them.

export interface PingReply { server: string; pid: number; uptime_seconds: number; models: number }
export interface OptimizerConfigMessage { kind: string; lr: number; momentum: number; weight_decay: number }
export interface RegisterRequest {
  run_id: string; rank: number; num_workers: number; num_params: number; optimizer: OptimizerConfigMessage | null; initial_params: Buffer;
}
export interface RegisterReply { worker_id: string; num_params: number; num_workers: number; version: number; created: boolean }
export interface PullRequest { run_id: string; rank: number; min_version: number; wait_ms: number }
export interface PullReply { version: number; params: Buffer; update_seconds: number }
export interface PushRequest { run_id: string; rank: number; step: number; gradient: Buffer }
export interface PushReply { version: number; accepted: boolean; waiting_for: number[] }
export interface DeleteRequest { run_id: string }
export interface DeleteReply { deleted: boolean }
