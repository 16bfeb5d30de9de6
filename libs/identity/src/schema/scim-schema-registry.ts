/**
 * The set of schemas and resource types this server speaks: the RFC 7643 core schemas plus
 * extension schemas declared in configuration. Everything else (validator, projection, PATCH)
 * asks the registry what an attribute is; nothing else hard-codes attribute knowledge.
 */
import { attribute, COMMON_ATTRIBUTES, CORE_RESOURCE_TYPES, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './core-schemas';
import {
  SCIM_SCHEMAS,
  type ScimAttributeDefinition,
  type ScimAttributeType,
  type ScimExtensionSchemaConfig,
  type ScimJsonObject,
  type ScimMutability,
  type ScimResourceTypeDefinition,
  type ScimResourceTypeId,
  type ScimReturned,
  type ScimSchemaDefinition,
  type ScimUniqueness,
} from './types';

/** Where an attribute path landed: the owning schema, the attribute and optionally a sub-attribute. */
export interface ResolvedAttributePath {
  schema: ScimSchemaDefinition;
  /** true when the attribute lives under `resource[schema.id]` (an extension schema). */
  isExtension: boolean;
  /** true for id / externalId / meta (RFC 7643 §3.1). */
  isCommon: boolean;
  attribute: ScimAttributeDefinition;
  subAttribute?: ScimAttributeDefinition;
}

/** RFC 7643 §7 "Schema" resource as served by GET /Schemas. */
export interface ScimSchemaResource extends ScimSchemaDefinition {
  schemas: [typeof SCIM_SCHEMAS.schema];
  meta: { resourceType: 'Schema'; location: string };
}

/** RFC 7643 §6 "ResourceType" resource as served by GET /ResourceTypes. */
export interface ScimResourceTypeResource extends ScimResourceTypeDefinition {
  schemas: [typeof SCIM_SCHEMAS.resourceType];
  meta: { resourceType: 'ResourceType'; location: string };
}

const ATTRIBUTE_TYPES: readonly ScimAttributeType[] = ['string', 'boolean', 'decimal', 'integer', 'dateTime', 'binary', 'reference', 'complex'];
// writeOnly is not offered to custom extensions: the only secret idsync stores is the core password,
// and it stores it as a one-way hash; a custom writeOnly value would have to sit in the document in clear.
const MUTABILITIES: readonly ScimMutability[] = ['readOnly', 'readWrite', 'immutable'];
const RETURNED_VALUES: readonly ScimReturned[] = ['always', 'never', 'default', 'request'];
const UNIQUENESS_VALUES: readonly ScimUniqueness[] = ['none', 'server', 'global'];
const RESOURCE_TYPE_IDS: readonly ScimResourceTypeId[] = ['User', 'Group'];
/** RFC 8141 URN: "urn:" NID ":" NSS; NID is 2-32 alphanumerics/hyphens, not starting or ending with "-". */
const URN_PATTERN = /^urn:[a-z0-9][a-z0-9-]{0,30}[a-z0-9]:[a-z0-9()+,\-.:=@;$_!*'%/~]+$/i;
/** RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar); "$ref" is the one reserved exception. */
const ATTRIBUTE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;
const ATTRIBUTE_CONFIG_KEYS = new Set([
  'name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness',
  'canonicalValues', 'referenceTypes', 'subAttributes',
]);
const SCHEMA_CONFIG_KEYS = new Set(['id', 'name', 'description', 'resourceType', 'required', 'attributes']);

export function isPlainObject(value: unknown): value is ScimJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Case-insensitive attribute lookup (RFC 7643 §2.1: attribute names are case insensitive). */
export function findAttributeDefinition(
  definitions: readonly ScimAttributeDefinition[] | undefined,
  name: string,
): ScimAttributeDefinition | undefined {
  if (!definitions) return undefined;
  let index = definitionIndexes.get(definitions);
  if (!index) {
    index = new Map();
    for (const definition of definitions) {
      const key = definition.name.toLowerCase();
      if (!index.has(key)) index.set(key, definition); // the first wins, as a linear search would
    }
    definitionIndexes.set(definitions, index);
  }
  return index.get(name.toLowerCase());
}

/**
 * Lower-case name → definition per definitions array: rendering and projection look up every
 * attribute of every resource they return, and schema definitions are not mutated once built.
 */
const definitionIndexes = new WeakMap<readonly ScimAttributeDefinition[], Map<string, ScimAttributeDefinition>>();

export class ScimSchemaRegistry {
  private readonly schemasById = new Map<string, ScimSchemaDefinition>();
  private readonly resourceTypes = new Map<ScimResourceTypeId, ScimResourceTypeDefinition>();

  /**
   * @param customExtensions the configured extension schemas (parsed JSON). Invalid configuration
   * throws a plain Error: it is a deployment mistake, reported at start-up, never a client error.
   */
  constructor(customExtensions: unknown = []) {
    for (const schema of [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA]) this.schemasById.set(schema.id.toLowerCase(), schema);
    for (const resourceType of CORE_RESOURCE_TYPES) {
      this.resourceTypes.set(resourceType.id as ScimResourceTypeId, {
        ...resourceType,
        schemaExtensions: resourceType.schemaExtensions.map((extension) => ({ ...extension })),
      });
    }
    for (const [index, config] of ScimSchemaRegistry.validateExtensionConfigList(customExtensions).entries()) {
      this.registerExtension(config, `extension schema #${index}`);
    }
  }

  getResourceTypes(): ScimResourceTypeDefinition[] {
    return [...this.resourceTypes.values()];
  }

  getResourceType(id: string): ScimResourceTypeDefinition | undefined {
    const wanted = id.toLowerCase();
    return [...this.resourceTypes.values()].find((resourceType) => resourceType.id.toLowerCase() === wanted);
  }

  /** Schema lookup by URN; URNs compare case-insensitively (RFC 8141 §3.1 for the NID; we extend it to all of it). */
  getSchema(urn: string): ScimSchemaDefinition | undefined {
    return this.schemasById.get(urn.toLowerCase());
  }

  getSchemas(): ScimSchemaDefinition[] {
    return [...this.schemasById.values()];
  }

  getCoreSchema(resourceTypeId: ScimResourceTypeId): ScimSchemaDefinition {
    const resourceType = this.requireResourceType(resourceTypeId);
    const schema = this.getSchema(resourceType.schema);
    if (!schema) throw new Error(`Core schema ${resourceType.schema} is not registered`);
    return schema;
  }

  /** Extension schemas of a resource type, in declaration order, with their `required` flag. */
  getExtensionSchemas(resourceTypeId: ScimResourceTypeId): { schema: ScimSchemaDefinition; required: boolean }[] {
    return this.requireResourceType(resourceTypeId).schemaExtensions.map((extension) => {
      const schema = this.getSchema(extension.schema);
      if (!schema) throw new Error(`Extension schema ${extension.schema} is not registered`);
      return { schema, required: extension.required };
    });
  }

  /** The extension of `resourceTypeId` whose URN equals `urn` (case-insensitive), if any. */
  findExtensionSchema(resourceTypeId: ScimResourceTypeId, urn: string): ScimSchemaDefinition | undefined {
    const wanted = urn.toLowerCase();
    return this.getExtensionSchemas(resourceTypeId).find((extension) => extension.schema.id.toLowerCase() === wanted)?.schema;
  }

  getCommonAttributes(): readonly ScimAttributeDefinition[] {
    return COMMON_ATTRIBUTES;
  }

  /**
   * Resolves an attribute path (RFC 7644 §3.10 attrPath without filters): `userName`,
   * `name.givenName`, `urn:...:User:userName`, `urn:...:enterprise:2.0:User:manager.value`.
   * Unqualified names try the common attributes, the core schema, then the extensions in order.
   */
  resolveAttributePath(resourceTypeId: ScimResourceTypeId, path: string): ResolvedAttributePath | undefined {
    const core = this.getCoreSchema(resourceTypeId);
    const extensions = this.getExtensionSchemas(resourceTypeId).map((extension) => extension.schema);
    const lowerPath = path.toLowerCase();

    if (lowerPath.startsWith('urn:')) {
      // Longest schema URN that prefixes the path followed by ":" wins (URNs contain ":" themselves).
      const candidates = [core, ...extensions]
        .filter((schema) => lowerPath.startsWith(`${schema.id.toLowerCase()}:`))
        .sort((a, b) => b.id.length - a.id.length);
      const schema = candidates[0];
      if (!schema) return undefined;
      const remainder = path.slice(schema.id.length + 1);
      const isExtension = schema !== core;
      if (!isExtension) {
        const common = this.resolveInSchemaAttributes(COMMON_ATTRIBUTES, remainder);
        if (common) return { schema, isExtension: false, isCommon: true, ...common };
      }
      const resolved = this.resolveInSchemaAttributes(schema.attributes, remainder);
      return resolved ? { schema, isExtension, isCommon: false, ...resolved } : undefined;
    }

    const common = this.resolveInSchemaAttributes(COMMON_ATTRIBUTES, path);
    if (common) return { schema: core, isExtension: false, isCommon: true, ...common };
    const inCore = this.resolveInSchemaAttributes(core.attributes, path);
    if (inCore) return { schema: core, isExtension: false, isCommon: false, ...inCore };
    for (const extension of extensions) {
      const inExtension = this.resolveInSchemaAttributes(extension.attributes, path);
      if (inExtension) return { schema: extension, isExtension: true, isCommon: false, ...inExtension };
    }
    return undefined;
  }

  /** GET /ResourceTypes payload entries (RFC 7643 §6). `baseUrl` is the SCIM root, e.g. https://host/scim/v2. */
  toResourceTypeResources(baseUrl: string): ScimResourceTypeResource[] {
    return this.getResourceTypes().map((resourceType) => this.toResourceTypeResource(resourceType, baseUrl));
  }

  toResourceTypeResource(resourceType: ScimResourceTypeDefinition, baseUrl: string): ScimResourceTypeResource {
    return {
      schemas: [SCIM_SCHEMAS.resourceType],
      ...structuredClone(resourceType),
      meta: { resourceType: 'ResourceType', location: `${trimSlash(baseUrl)}/ResourceTypes/${resourceType.id}` },
    };
  }

  /** GET /Schemas payload entries (RFC 7643 §7 representation, as in §8.7.1). */
  toSchemaResources(baseUrl: string): ScimSchemaResource[] {
    return this.getSchemas().map((schema) => this.toSchemaResource(schema, baseUrl));
  }

  toSchemaResource(schema: ScimSchemaDefinition, baseUrl: string): ScimSchemaResource {
    return {
      schemas: [SCIM_SCHEMAS.schema],
      ...structuredClone(schema),
      meta: { resourceType: 'Schema', location: `${trimSlash(baseUrl)}/Schemas/${schema.id}` },
    };
  }

  private resolveInSchemaAttributes(
    definitions: readonly ScimAttributeDefinition[],
    path: string,
  ): { attribute: ScimAttributeDefinition; subAttribute?: ScimAttributeDefinition } | undefined {
    const dot = path.indexOf('.');
    const attributeName = dot === -1 ? path : path.slice(0, dot);
    const found = findAttributeDefinition(definitions, attributeName);
    if (!found) return undefined;
    if (dot === -1) return { attribute: found };
    const subAttribute = findAttributeDefinition(found.subAttributes, path.slice(dot + 1));
    return subAttribute ? { attribute: found, subAttribute } : undefined;
  }

  private requireResourceType(id: ScimResourceTypeId): ScimResourceTypeDefinition {
    const resourceType = this.resourceTypes.get(id);
    if (!resourceType) throw new Error(`Unknown resource type ${String(id)}`);
    return resourceType;
  }

  private registerExtension(config: ScimExtensionSchemaConfig, where: string): void {
    const key = config.id.toLowerCase();
    if (this.schemasById.has(key)) throw new Error(`${where}: schema id ${config.id} is already registered`);
    const attributes = validateAttributeList(config.attributes, `${where} (${config.id})`, 0);
    const schema: ScimSchemaDefinition = { id: config.id, name: config.name, attributes };
    if (config.description !== undefined) schema.description = config.description;
    this.schemasById.set(key, schema);
    this.requireResourceType(config.resourceType).schemaExtensions.push({ schema: config.id, required: config.required ?? false });
  }

  private static validateExtensionConfigList(input: unknown): ScimExtensionSchemaConfig[] {
    if (!Array.isArray(input)) throw new Error('SCIM extension schema configuration must be a JSON array');
    return input.map((entry, index) => {
      const where = `extension schema #${index}`;
      if (!isPlainObject(entry)) throw new Error(`${where}: must be an object`);
      for (const key of Object.keys(entry)) {
        if (!SCHEMA_CONFIG_KEYS.has(key)) throw new Error(`${where}: unknown key "${key}"`);
      }
      const { id, name, description, resourceType, required, attributes } = entry;
      if (typeof id !== 'string' || !URN_PATTERN.test(id) || id.endsWith(':')) {
        throw new Error(`${where}: "id" must be a URN such as urn:ietf:params:scim:schemas:extension:acme:2.0:User (got ${JSON.stringify(id)})`);
      }
      if (typeof name !== 'string' || name.trim() === '') throw new Error(`${where} (${id}): "name" must be a non-empty string`);
      if (description !== undefined && typeof description !== 'string') throw new Error(`${where} (${id}): "description" must be a string`);
      if (typeof resourceType !== 'string' || !RESOURCE_TYPE_IDS.includes(resourceType as ScimResourceTypeId)) {
        throw new Error(`${where} (${id}): "resourceType" must be one of ${RESOURCE_TYPE_IDS.join(', ')} (got ${JSON.stringify(resourceType)})`);
      }
      if (required !== undefined && typeof required !== 'boolean') throw new Error(`${where} (${id}): "required" must be a boolean`);
      if (!Array.isArray(attributes) || attributes.length === 0) throw new Error(`${where} (${id}): "attributes" must be a non-empty array`);
      const config: ScimExtensionSchemaConfig = { id, name, resourceType: resourceType as ScimResourceTypeId, attributes };
      if (description !== undefined) config.description = description;
      if (required !== undefined) config.required = required;
      return config;
    });
  }
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function validateAttributeList(input: unknown[], where: string, depth: number): ScimAttributeDefinition[] {
  const seen = new Set<string>();
  return input.map((entry, index) => {
    const definition = validateAttributeConfig(entry, `${where} attribute #${index}`, depth);
    const key = definition.name.toLowerCase();
    if (seen.has(key)) throw new Error(`${where}: duplicate attribute name "${definition.name}" (names are case-insensitive)`);
    seen.add(key);
    return definition;
  });
}

function validateAttributeConfig(entry: unknown, where: string, depth: number): ScimAttributeDefinition {
  if (!isPlainObject(entry)) throw new Error(`${where}: must be an object`);
  for (const key of Object.keys(entry)) {
    if (!ATTRIBUTE_CONFIG_KEYS.has(key)) throw new Error(`${where}: unknown key "${key}"`);
  }
  const { name } = entry;
  if (typeof name !== 'string' || (!ATTRIBUTE_NAME_PATTERN.test(name) && name !== '$ref')) {
    throw new Error(`${where}: "name" must match RFC 7643 ATTRNAME (letter, then letters/digits/"-"/"_"), got ${JSON.stringify(name)}`);
  }
  const at = `${where} ("${name}")`;
  const definition = attribute(name, {
    type: enumOrDefault(entry.type, ATTRIBUTE_TYPES, 'string', `${at} type`),
    multiValued: booleanOrDefault(entry.multiValued, false, `${at} multiValued`),
    required: booleanOrDefault(entry.required, false, `${at} required`),
    caseExact: booleanOrDefault(entry.caseExact, false, `${at} caseExact`),
    mutability: enumOrDefault(entry.mutability, MUTABILITIES, 'readWrite', `${at} mutability`),
    returned: enumOrDefault(entry.returned, RETURNED_VALUES, 'default', `${at} returned`),
    uniqueness: enumOrDefault(entry.uniqueness, UNIQUENESS_VALUES, 'none', `${at} uniqueness`),
  });
  if (entry.description !== undefined) {
    if (typeof entry.description !== 'string') throw new Error(`${at}: "description" must be a string`);
    definition.description = entry.description;
  }
  if (entry.canonicalValues !== undefined) definition.canonicalValues = stringArray(entry.canonicalValues, `${at} canonicalValues`);
  if (entry.referenceTypes !== undefined) {
    if (definition.type !== 'reference') throw new Error(`${at}: "referenceTypes" is only allowed on reference attributes`);
    definition.referenceTypes = stringArray(entry.referenceTypes, `${at} referenceTypes`);
  }
  if (definition.type === 'complex') {
    // RFC 7643 §2.3.8: a complex attribute's sub-attributes cannot themselves be complex.
    if (depth > 0) throw new Error(`${at}: complex attributes cannot contain complex sub-attributes (RFC 7643 §2.3.8)`);
    if (!Array.isArray(entry.subAttributes) || entry.subAttributes.length === 0) {
      throw new Error(`${at}: complex attributes need a non-empty "subAttributes" array`);
    }
    definition.subAttributes = validateAttributeList(entry.subAttributes, at, depth + 1);
  } else if (entry.subAttributes !== undefined) {
    throw new Error(`${at}: "subAttributes" is only allowed on complex attributes`);
  }
  return definition;
}

function enumOrDefault<T extends string>(value: unknown, allowed: readonly T[], fallback: T, where: string): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new Error(`${where}: must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
}

function booleanOrDefault(value: unknown, fallback: boolean, where: string): boolean {
  if (value === undefined) return fallback;
  if (typeof value === 'boolean') return value;
  throw new Error(`${where}: must be a boolean (got ${JSON.stringify(value)})`);
}

function stringArray(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new Error(`${where}: must be an array of strings`);
  }
  return [...value];
}
