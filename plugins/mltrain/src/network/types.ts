/** A CloudFormation resource as the plugin emits it. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
  DeletionPolicy?: string;
  Condition?: string;
}

export type CfnResources = Record<string, CfnResource>;

/** Copies generated resources into the compiled template, refusing to overwrite one. */
export function mergeResources(target: Record<string, unknown>, add: CfnResources, feature: string): void {
  for (const [id, resource] of Object.entries(add)) {
    if (id in target) throw new Error(`mltrain ${feature}: the template already has a resource ${id}`);
    target[id] = resource;
  }
}
