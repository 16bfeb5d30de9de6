import type { ScimAttributeDefinition, ScimSchemaDefinition } from '../schema/types';
import type { AttrPath } from './ast';

/** What a filter path points at, in canonical (schema) spelling. */
export interface ResolvedAttribute {
  /** URN of the schema the attribute belongs to (the core schema for common attributes). */
  schema: string;
  /** True when the attribute lives under its extension URN key in the resource JSON. */
  extension: boolean;
  /** The top-level attribute. */
  attribute: ScimAttributeDefinition;
  /** The sub-attribute, when the path names one. */
  subAttribute?: ScimAttributeDefinition;
}

/** Maps filter/PATCH paths to attribute definitions; both filter engines and normalizeForSearch depend only on this. */
export interface ScimAttributeResolver {
  resolve(path: AttrPath): ResolvedAttribute | undefined;
}

function commonAttribute(
  name: string,
  type: ScimAttributeDefinition['type'],
  overrides: Partial<ScimAttributeDefinition> = {},
): ScimAttributeDefinition {
  return {
    name,
    type,
    multiValued: false,
    required: false,
    caseExact: true,
    mutability: 'readOnly',
    returned: 'default',
    uniqueness: 'none',
    ...overrides,
  };
}

/**
 * RFC 7643 §3.1 common attributes, present on every resource but defined by no schema. Everything is caseExact
 * (ids, ETags, resource type names and schema URNs are opaque identifiers); created/lastModified are dateTime.
 */
export const SCIM_COMMON_ATTRIBUTES: readonly ScimAttributeDefinition[] = [
  commonAttribute('id', 'string', { returned: 'always', uniqueness: 'server' }),
  commonAttribute('externalId', 'string', { mutability: 'readWrite' }),
  commonAttribute('schemas', 'reference', { multiValued: true, required: true, mutability: 'readWrite', returned: 'always' }),
  commonAttribute('meta', 'complex', {
    subAttributes: [
      commonAttribute('resourceType', 'string'),
      commonAttribute('created', 'dateTime'),
      commonAttribute('lastModified', 'dateTime'),
      commonAttribute('location', 'reference', { referenceTypes: ['uri'] }),
      commonAttribute('version', 'string'),
    ],
  }),
];

function findByName<T extends { name: string }>(items: readonly T[] | undefined, name: string): T | undefined {
  const lowered = name.toLowerCase();
  return items?.find((item) => item.name.toLowerCase() === lowered);
}

/** Resolver over one resource type: its core schema plus its schema extensions. Lookups are case-insensitive. */
export class SchemaAttributeResolver implements ScimAttributeResolver {
  constructor(
    readonly coreSchema: ScimSchemaDefinition,
    readonly extensionSchemas: readonly ScimSchemaDefinition[] = [],
  ) {}

  resolve(path: AttrPath): ResolvedAttribute | undefined {
    const top = this.resolveTopLevel(path.schema, path.attribute);
    if (!top || path.subAttribute === undefined) return top;
    if (top.attribute.type !== 'complex') return undefined;
    const subAttribute = findByName(top.attribute.subAttributes, path.subAttribute);
    return subAttribute ? { ...top, subAttribute } : undefined;
  }

  private resolveTopLevel(schema: string | undefined, name: string): ResolvedAttribute | undefined {
    const core = this.coreSchema;
    if (schema === undefined || schema.toLowerCase() === core.id.toLowerCase()) {
      const attribute = findByName(core.attributes, name) ?? findByName(SCIM_COMMON_ATTRIBUTES, name);
      if (attribute) return { schema: core.id, extension: false, attribute };
      if (schema !== undefined) return undefined;
    }
    for (const extensionSchema of this.extensionSchemas) {
      if (schema !== undefined && schema.toLowerCase() !== extensionSchema.id.toLowerCase()) continue;
      const attribute = findByName(extensionSchema.attributes, name);
      if (attribute) return { schema: extensionSchema.id, extension: true, attribute };
    }
    return undefined;
  }
}
