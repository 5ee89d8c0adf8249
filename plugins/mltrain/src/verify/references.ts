import { resourceAttributes } from './resource-spec';
import { PSEUDO_PARAMETERS, walk, type Template } from './types';

// Every Ref, Fn::GetAtt (with an attribute the resource's type has), Fn::Sub variable and
// DependsOn names a resource or parameter the template holds; Outputs included.

export function referenceProblems(t: Template): string[] {
  const problems: string[] = [];
  const resources = t.Resources;
  const params = new Set(Object.keys(t.Parameters ?? {}));
  const refTarget = (name: string, at: string) => {
    if (!(name in resources) && !params.has(name) && !PSEUDO_PARAMETERS.has(name)) problems.push(`${at}: Ref ${name} names no resource or parameter`);
  };
  const getAtt = (name: string, attribute: string, at: string) => {
    const target = resources[name];
    if (!target) return void problems.push(`${at}: Fn::GetAtt ${name}.${attribute} names no resource`);
    const attributes = resourceAttributes(target.Type);
    if (attributes && !attributes.includes(attribute)) {
      problems.push(`${at}: Fn::GetAtt ${name}.${attribute}: ${target.Type} has no attribute ${attribute} (it has ${attributes.join(', ') || 'none'})`);
    }
  };
  const check = (node: unknown, at: string) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) return;
    const o = node as Record<string, unknown>;
    if (typeof o.Ref === 'string') refTarget(o.Ref, at);
    if ('Fn::GetAtt' in o) {
      const v = o['Fn::GetAtt'];
      const [name, ...rest] = Array.isArray(v) ? v : String(v).split('.');
      if (typeof name === 'string' && rest.every((r) => typeof r === 'string')) getAtt(name, rest.join('.'), at);
    }
    if ('Fn::Sub' in o) subProblems(o['Fn::Sub'], at, refTarget, getAtt);
  };
  for (const [id, r] of Object.entries(resources)) {
    walk(r.Properties, `Resources.${id}`, check);
    for (const dep of [r.DependsOn ?? []].flat()) if (!(dep in resources)) problems.push(`Resources.${id}: DependsOn ${dep} names no resource`);
  }
  for (const [id, o] of Object.entries(t.Outputs ?? {})) walk(o, `Outputs.${id}`, check);
  return problems;
}

/** Fn::Sub's ${Name} and ${Name.Attribute}; ${!Literal} is text; names in its own map are local. */
function subProblems(
  sub: unknown, at: string, refTarget: (n: string, at: string) => void, getAtt: (n: string, a: string, at: string) => void,
): void {
  const [text, locals] = Array.isArray(sub) ? [sub[0], (sub[1] ?? {}) as Record<string, unknown>] : [sub, {}];
  if (typeof text !== 'string') return;
  for (const m of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
    const name = m[1].trim();
    if (name in locals) continue;
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) getAtt(name.slice(0, dot), name.slice(dot + 1), `${at} (Fn::Sub)`);
    else refTarget(name, `${at} (Fn::Sub)`);
  }
}
