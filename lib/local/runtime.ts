import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createLocalS3Client } from '../stores/s3-client';
import { S3Store } from '../stores/s3';
import type { TrafficCounter } from '../metrics/traffic';
import { LocalJobs } from './jobs';
import { prepareLocalChannels } from './channels';
import { LocalLambda } from './lambda/emulator';
import { LOCAL_ACCOUNT_ID, LOCAL_BUCKET, LOCAL_REGION, LOCAL_STAGE } from './local-identity';
import type { LocalFunctionDefinition, ServiceDefinition } from './lambda/service-definition';
import { trackStoppable } from './processes';
import { LocalStepFunctions } from './step-functions/local-step-functions';
import { loadLocalServices, type LocalResources } from './resources';
import { startServers, type ServerSet } from './servers';
import type { ServerKind } from './servers/types';

// The embedded runtime: real local servers on 127.0.0.1, the Lambda and Step Functions APIs served
// locally, and the environment that points the AWS SDK at them. Handlers run unchanged; only
// configuration differs.

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export { LOCAL_ACCOUNT_ID, LOCAL_BUCKET, LOCAL_REGION, LOCAL_STAGE } from './local-identity';
/** Local values of the CloudFormation resources serverless.yml files reference with !Ref. */
// Resources the plugin generates that functions refer to; locally the GPU instance is a process.
const GENERATED_REFS: Record<string, string> = { MltrainGpuInstance: 'local-process' };

export interface LocalRuntimeOptions {
  /** Folder of this run: logs/ goes there. */
  runDir: string;
  /** Folder where the local S3 keeps its objects (shared between runs to reuse prepared data). */
  s3Dir: string;
  /** Service folders under services/, e.g. ['allreduce'] (or absolute paths, e.g. test fixtures). */
  services: string[];
  /** Servers beyond S3, which every framework uses. */
  servers?: ServerKind[];
  /** Function timeouts in seconds, overriding serverless.yml (tests of Lambda's time limit). */
  timeoutOverrides?: Record<string, number>;
  /** Deliver failed asynchronous invocations to their on-failure destination, as Lambda does (default true). */
  destinations?: boolean;
  /** Function environment that replaces what serverless.yml says (e.g. where SPIRT's peer databases are). */
  environmentOverrides?: Record<string, string>;
  /** State machine definitions (ASL objects) by name; more can be added later with stepFunctions.register(). */
  stateMachines?: Record<string, object>;
  /** Reuse a finished Lambda invocation's process for the next one of its function (default true). */
  warmLambdas?: boolean;
  /** Deployment parameters, as `sls deploy --param name=value` (e.g. { workers: '4' }). */
  params?: Record<string, string>;
  /** Told what the runtime is doing while it starts (servers, bundling). */
  onProgress?: (message: string) => void;
}

export class LocalRuntime {
  private untrack?: () => void;

  private constructor(
    readonly servers: ServerSet,
    readonly lambda: LocalLambda,
    readonly stepFunctions: LocalStepFunctions,
    /** Jobs functions start outside Lambda (the GPU trainer), run as local processes. */
    readonly jobs: LocalJobs,
    readonly services: ServiceDefinition[],
    readonly env: Record<string, string>,
    /** Local stand-ins of each service's declared resources (queue URLs...), in `services` order. */
    readonly resources: LocalResources[],
  ) {}

  static async start(opts: LocalRuntimeOptions): Promise<LocalRuntime> {
    mkdirSync(opts.s3Dir, { recursive: true });
    const kinds: ServerKind[] = ['s3', ...(opts.servers ?? []).filter((k) => k !== 's3')];
    const t0 = Date.now();
    opts.onProgress?.(`starting local servers: ${kinds.join(', ')}`);
    const servers = await startServers(kinds, {
      s3: { directory: opts.s3Dir, buckets: [LOCAL_BUCKET] },
      'parameter-server': { logFile: path.join(opts.runDir, 'logs', 'parameter-server.jsonl') },
    });
    opts.onProgress?.(`local servers up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    try {
      const { services, resources } = await loadLocalServices(opts.services.map((name) => path.resolve(REPO_ROOT, 'services', name)), {
        stage: LOCAL_STAGE, params: opts.params ?? {}, servers, buckets: { DataBucket: LOCAL_BUCKET }, generatedRefs: GENERATED_REFS,
      });
      for (const fn of services.flatMap((s) => Object.values(s.functions))) Object.assign(fn.environment, opts.environmentOverrides);
      const env = {
        ...servers.env,
        ...(await prepareLocalChannels(servers)),
        // Credentials for the local emulators only; they accept any signature.
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: LOCAL_REGION,
        // Node 20 runs here; Lambda runs 22. The SDK's "upgrade Node" warning would fill every log.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };
      const logsDir = path.join(opts.runDir, 'logs');
      const jobs = await LocalJobs.start({ repoRoot: REPO_ROOT, logsDir, env: { ...env, MLTRAIN_BUCKET: LOCAL_BUCKET, MLTRAIN_STAGE: LOCAL_STAGE } });
      let lambda: LocalLambda;
      let stepFunctions: LocalStepFunctions;
      try {
        lambda = await LocalLambda.start({ services, env: { ...env, ...jobs.env }, logsDir, timeoutOverrides: opts.timeoutOverrides, destinations: opts.destinations, warm: opts.warmLambdas, onProgress: opts.onProgress });
      } catch (err) {
        await jobs.stop();
        throw err;
      }
      try {
        // Started second because its Task states call the Lambda emulator; the functions (none has
        // run yet) get its endpoint through extendEnv, so they can start executions themselves.
        stepFunctions = await LocalStepFunctions.start({ lambda, logsDir, stateMachines: opts.stateMachines, region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
      } catch (err) {
        await lambda.stop();
        await jobs.stop();
        throw err;
      }
      lambda.extendEnv(stepFunctions.env);
      const runtime = new LocalRuntime(servers, lambda, stepFunctions, jobs, services, { ...env, ...jobs.env, ...lambda.env, ...stepFunctions.env }, resources);
      runtime.untrack = trackStoppable('local runtime', () => runtime.stop());
      return runtime;
    } catch (err) {
      await servers.stop();
      throw err;
    }
  }

  functionName(service: string, key: string): string {
    return this.functionDefinition(service, key).functionName;
  }

  functionDefinition(service: string, key: string): LocalFunctionDefinition {
    const svc = this.services.find((s) => s.directory.endsWith(`${path.sep}${service}`) || s.directory === service);
    const fn = svc?.functions[key];
    if (!fn) throw new Error(`service ${service} has no function ${key}`);
    return fn;
  }

  /** The bucket, as seen from this process. */
  store(traffic?: TrafficCounter): S3Store {
    return new S3Store(createLocalS3Client(this.servers.servers.s3!.endpoint), LOCAL_BUCKET, traffic);
  }

  async stop(): Promise<void> {
    this.untrack?.();
    this.untrack = undefined;
    await this.stepFunctions.stop(); // aborts running executions before their functions go
    await this.lambda.stop();
    await this.jobs.stop();
    await this.servers.stop();
  }
}
