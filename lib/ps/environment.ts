import { readFileSync } from 'node:fs';
import { requireEnv } from '../config/env';

// Where functions find the parameter server: set by the plugin on AWS (the instance's private IP),
// by the local runtime here. The token, when there is one, is in a private file named by the
// environment, so the environment itself never holds a secret.

export const PS_ENV = {
  endpoint: 'MLTRAIN_PS_ENDPOINT',
  tokenFile: 'MLTRAIN_PS_TOKEN_FILE',
} as const;

export interface ParameterServerEnvironment {
  /** host:port */
  endpoint: string;
  token?: string;
}

export function readParameterServerEnvironment(env: NodeJS.ProcessEnv = process.env): ParameterServerEnvironment {
  const endpoint = requireEnv(PS_ENV.endpoint, env);
  if (!/^[^\s:]+:\d{1,5}$/.test(endpoint)) throw new Error(`${PS_ENV.endpoint} must be host:port, got "${endpoint}"`);
  const file = env[PS_ENV.tokenFile];
  if (!file) return { endpoint };
  const token = readFileSync(file, 'utf8').trim();
  if (!token) throw new Error(`${PS_ENV.tokenFile} names ${file}, which is empty`);
  return { endpoint, token };
}
