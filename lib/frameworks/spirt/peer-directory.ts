import { readFileSync } from 'node:fs';
import type { SSMClient } from '@aws-sdk/client-ssm';

// Where a peer finds its own database and the password to it. On AWS: SSM Parameter Store (the
// password a generated Secrets Manager secret, read through SSM's reference); locally: a 0600 file in the run's
// private folder. Chosen by configuration (MLTRAIN_PEER_DIRECTORY), never passed in an event.
// A peer reads only its own entry: the other peers' passwords reach it encrypted, through `auth`.

export interface PeerDatabaseAddress {
  /** redis://host:port */
  endpoint: string;
  password: string;
}

export interface PeerDirectory {
  ownDatabase(peer: number): Promise<PeerDatabaseAddress>;
}

export const PEER_DIRECTORY_ENV = 'MLTRAIN_PEER_DIRECTORY';

/** The local runtime's file: { "peers": [{ "endpoint": "...", "password": "..." }, ...] }. */
export class FilePeerDirectory implements PeerDirectory {
  constructor(private readonly file: string) {}

  async ownDatabase(peer: number): Promise<PeerDatabaseAddress> {
    const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { peers?: PeerDatabaseAddress[] };
    const entry = parsed.peers?.[peer];
    if (!entry) throw new Error(`peer ${peer} has no database in the local peer directory (it lists ${parsed.peers?.length ?? 0} peers)`);
    return entry;
  }
}

/**
 * <prefix>/peer-<i>/endpoint is a String parameter; the password is the generated secret
 * <prefix without "/">/peer-<i>/password, read through SSM's Secrets Manager reference.
 */
export class SsmPeerDirectory implements PeerDirectory {
  private readonly cache = new Map<number, PeerDatabaseAddress>();

  constructor(private readonly prefix: string, private ssm?: SSMClient) {}

  async ownDatabase(peer: number): Promise<PeerDatabaseAddress> {
    const cached = this.cache.get(peer);
    if (cached) return cached;
    // Loaded here, not at import: only a deployed peer reads SSM, and the client costs ~50 ms at a cold start.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { GetParameterCommand, SSMClient } = require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
    const ssm = (this.ssm ??= new SSMClient({}));
    const read = async (name: string) => {
      try {
        return (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter?.Value;
      } catch (err) {
        if ((err as Error).name === 'ParameterNotFound') return undefined;
        throw err;
      }
    };
    const endpoint = await read(`${this.prefix}/peer-${peer}/endpoint`);
    const password = await read(`/aws/reference/secretsmanager/${this.prefix.replace(/^\//, '')}/peer-${peer}/password`);
    if (!endpoint || !password) {
      throw new Error(`peer ${peer} has no database under ${this.prefix} (deployed with fewer peers? see docs/aws.md)`);
    }
    const address = { endpoint, password };
    this.cache.set(peer, address);
    return address;
  }
}

export function peerDirectoryFromEnv(env: NodeJS.ProcessEnv = process.env): PeerDirectory {
  const spec = env[PEER_DIRECTORY_ENV];
  if (spec?.startsWith('file:')) return new FilePeerDirectory(spec.slice(5));
  if (spec?.startsWith('ssm:')) return new SsmPeerDirectory(spec.slice(4));
  throw new Error(`${PEER_DIRECTORY_ENV} must be file:<path> or ssm:<parameter prefix>, got ${spec === undefined ? 'nothing' : `"${spec}"`}`);
}
