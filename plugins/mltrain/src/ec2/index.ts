import { packTensorModuleSource, peerDatabaseOutputs, peerDatabaseResources, type PeerDatabasesConfig } from './peer-databases';

// Adds the SPIRT peer databases to the compiled template (`--param peers=N` overrides the count).

export interface CompiledTemplate {
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
}

export function peersFrom(config: PeerDatabasesConfig, params: readonly string[] | undefined): number {
  const fromParam = params?.map((p) => /^peers=(.*)$/.exec(p)?.[1]).find((v) => v !== undefined);
  const n = Number(fromParam ?? config.peers ?? 4);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`mltrain: peers must be a whole number from 1 to 64, got "${String(fromParam ?? config.peers)}"`);
  return n;
}

export function addPeerDatabases(
  template: CompiledTemplate, config: PeerDatabasesConfig, params: readonly string[] | undefined,
  names: { service: string; stage: string; artifactDirectoryName: string; repoRoot: string; packageDir: string },
): number {
  const peers = peersFrom(config, params);
  Object.assign(template.Resources, peerDatabaseResources({ peers, instanceType: config.instanceType ?? 't4g.small' }, names));
  template.Outputs = { ...template.Outputs, ...peerDatabaseOutputs(peers) };
  // Beside the function zips; the resource naming it in its Metadata has it uploaded at deploy.
  packTensorModuleSource(names.repoRoot, names.packageDir);
  return peers;
}
