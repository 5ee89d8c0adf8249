import { isCustomResource, propertyTypeSpec, resourceTypeSpec, specification, type PropertySpec, type TypeSpec } from './resource-spec';
import type { Template } from './types';

// Every resource type exists, every property (nested ones too) has a name its type declares, and
// every required property is there, according to the CloudFormation resource specification.

export function propertyProblems(t: Template): string[] {
  const problems: string[] = [];
  for (const [id, r] of Object.entries(t.Resources)) {
    if (isCustomResource(r.Type)) continue;
    const spec = resourceTypeSpec(r.Type);
    if (!spec) {
      problems.push(`Resources.${id}: ${r.Type} is not a resource type (CloudFormation specification ${specification().ResourceSpecificationVersion})`);
      continue;
    }
    checkObject(r.Type, r.Type, spec, r.Properties ?? {}, `Resources.${id}`, problems);
  }
  return problems;
}

function checkObject(resourceType: string, typeName: string, spec: TypeSpec, value: Record<string, unknown>, at: string, problems: string[]): void {
  const declared = spec.Properties ?? {};
  for (const [name, p] of Object.entries(declared)) {
    if (p.Required && !(name in value)) problems.push(`${at}: ${typeName} requires ${name}`);
  }
  for (const [name, v] of Object.entries(value)) {
    const p = declared[name];
    if (!p) {
      problems.push(`${at}: ${typeName} has no property ${name}${suggestion(name, Object.keys(declared))}`);
      continue;
    }
    checkValue(resourceType, p, v, `${at}.${name}`, problems);
  }
}

function checkValue(resourceType: string, p: PropertySpec, v: unknown, at: string, problems: string[]): void {
  const sub = propertyTypeSpec(resourceType, p);
  if (!sub?.Properties || isIntrinsic(v)) return;
  const items = p.Type === 'List' && Array.isArray(v) ? v : p.Type === 'Map' && v && typeof v === 'object' ? Object.values(v) : [v];
  items.forEach((item, i) => {
    if (item && typeof item === 'object' && !Array.isArray(item) && !isIntrinsic(item)) {
      checkObject(resourceType, p.ItemType ?? p.Type ?? '', sub, item as Record<string, unknown>, items.length > 1 || p.Type === 'List' ? `${at}[${i}]` : at, problems);
    }
  });
}

function isIntrinsic(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function suggestion(name: string, known: string[]): string {
  const close = known.find((k) => k.toLowerCase() === name.toLowerCase() || editDistance(k, name) <= 2);
  return close ? ` (did you mean ${close}?)` : '';
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}
