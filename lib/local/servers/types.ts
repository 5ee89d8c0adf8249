/** Kinds of local server the embedded runtime can start; each stands in for one AWS service. */
export type ServerKind = 's3' | 'sqs' | 'redis' | 'memcached' | 'dynamodb' | 'parameter-server';

/** A local server bound to 127.0.0.1 on a free port, started and stopped by the runtime. */
export interface RunningServer {
  kind: ServerKind;
  host: '127.0.0.1';
  port: number;
  /** How to reach it, e.g. http://127.0.0.1:PORT or redis://127.0.0.1:PORT (memcached, parameter-server: 127.0.0.1:PORT). */
  endpoint: string;
  /** Environment variables that point clients at this server. Never contains a secret. */
  env: Record<string, string>;
  /** Stops the server and frees its port; safe to call more than once. */
  stop(): Promise<void>;
}

/** A server that runs as a child process (redis-server, memcached): callers may need its PID. */
export interface ProcessServer extends RunningServer {
  pid: number;
}
