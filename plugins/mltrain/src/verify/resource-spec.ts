import { createRequire } from 'node:module';

// The CloudFormation resource specification, offline: the copy the AWS CDK publishes on npm
// (@aws-cdk/cfnspec, pinned in package.json). Types, property names, required properties and
// attributes are read from it.

interface PropertySpec {
  Required?: boolean;
  Type?: string;
  ItemType?: string;
  PrimitiveType?: string;
  PrimitiveItemType?: string;
}

interface TypeSpec {
  Properties?: Record<string, PropertySpec>;
  Attributes?: Record<string, unknown>;
}

interface Specification {
  ResourceSpecificationVersion: string;
  ResourceTypes: Record<string, TypeSpec>;
  PropertyTypes: Record<string, TypeSpec>;
}

let loaded: Specification | undefined;

export function specification(): Specification {
  loaded ??= createRequire(__filename)('@aws-cdk/cfnspec/spec/specification.json') as Specification;
  return loaded;
}

/** Resource types CloudFormation accepts with any properties and attributes (custom resources). */
export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/** The attributes Fn::GetAtt may name on a type, or undefined for a custom resource (anything goes). */
export function resourceAttributes(type: string): string[] | undefined {
  if (isCustomResource(type)) return undefined;
  return Object.keys(specification().ResourceTypes[type]?.Attributes ?? {});
}

export function resourceTypeSpec(type: string): TypeSpec | undefined {
  return specification().ResourceTypes[type];
}

/** A property's structured type (AWS::S3::Bucket.PublicAccessBlockConfiguration), when it has one. */
export function propertyTypeSpec(resourceType: string, property: PropertySpec): TypeSpec | undefined {
  const name = property.Type === 'List' || property.Type === 'Map' ? property.ItemType : property.Type;
  if (!name) return undefined;
  const spec = specification().PropertyTypes;
  return spec[`${resourceType}.${name}`] ?? spec[name];
}

export type { PropertySpec, TypeSpec };
