/**
 * Validates and normalizes resource bodies for POST (create) and PUT (replace), and re-checks
 * documents produced by PATCH. Output is the stored document shape:
 *   { schemas: [coreUrn, ...extensionUrnsInUse], <core attributes>, [extensionUrn]: { ... } }
 * never containing id, meta, readOnly attributes or the password (returned separately).
 *
 * scimType choices (RFC 7644 §3.12):
 * - invalidSyntax: the body does not conform to the request schema — not an object, `schemas`
 *   missing or without the core URN, unknown attribute names, duplicate keys differing by case.
 * - invalidValue: a value is wrong for its attribute — bad type, required attribute missing,
 *   an unsupported schema URN listed in `schemas` (that is the value of the "schemas" attribute).
 * - mutability: an immutable attribute changed on PUT (RFC 7644 §3.5.1).
 */
import { ScimError } from '../errors/scim-error';
import { findAttributeDefinition, isPlainObject, type ScimSchemaRegistry } from './scim-schema-registry';
import { attributeValuesEqual, normalizeAttributeValue, orderLike } from './scim-values';
import type { ScimAttributeDefinition, ScimJsonObject, ScimResourceTypeId, ScimSchemaDefinition } from './types';

export interface ScimValidatedResource {
  /** The clean document to store: no id, meta, readOnly attributes or password. */
  attributes: ScimJsonObject;
  /** The writeOnly password, if one was supplied; hash it and never store it in the document. */
  password?: string;
}

export interface ScimResourceValidatorOptions {
  /**
   * Schema URIs accepted in `schemas` and silently dropped. Default: the URI Microsoft Entra ID
   * puts on every Group it creates, which names no attributes and is not a URN.
   */
  ignoredSchemaUris?: readonly string[];
}

export const ENTRA_AD_GROUP_SCHEMA_URI = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';

type ValidationMode = 'create' | 'replace' | 'patch';

export class ScimResourceValidator {
  private readonly ignoredSchemaUris: Set<string>;

  constructor(
    private readonly registry: ScimSchemaRegistry,
    options: ScimResourceValidatorOptions = {},
  ) {
    this.ignoredSchemaUris = new Set((options.ignoredSchemaUris ?? [ENTRA_AD_GROUP_SCHEMA_URI]).map((uri) => uri.toLowerCase()));
  }

  /** POST: readOnly input is ignored (RFC 7644 §3.3), required attributes must be present. */
  validateForCreate(resourceTypeId: ScimResourceTypeId, body: unknown): ScimValidatedResource {
    return this.normalizeDocument(resourceTypeId, body, 'create');
  }

  /**
   * PUT: like create, plus immutable attributes must keep their value (RFC 7644 §3.5.1).
   * An immutable attribute omitted from the PUT keeps its stored value rather than being cleared,
   * since immutable values can never become unassigned after being set.
   */
  validateForReplace(resourceTypeId: ScimResourceTypeId, body: unknown, existing: ScimJsonObject): ScimValidatedResource {
    const validated = this.normalizeDocument(resourceTypeId, body, 'replace');
    this.enforceImmutability(resourceTypeId, existing, validated.attributes);
    return validated;
  }

  /** Re-validates a document a PATCH produced, with the same rules a PUT body gets. */
  validatePatchedDocument(resourceTypeId: ScimResourceTypeId, document: ScimJsonObject): ScimJsonObject {
    return this.normalizeDocument(resourceTypeId, document, 'patch').attributes;
  }

  private normalizeDocument(resourceTypeId: ScimResourceTypeId, body: unknown, mode: ValidationMode): ScimValidatedResource {
    if (!isPlainObject(body)) throw ScimError.badRequest('invalidSyntax', 'The request body must be a JSON object');
    const core = this.registry.getCoreSchema(resourceTypeId);
    const extensions = this.registry.getExtensionSchemas(resourceTypeId);
    this.readSchemas(resourceTypeId, core, body, mode);

    const coreValues: ScimJsonObject = {};
    const extensionValues = new Map<string, ScimJsonObject>();
    let password: string | undefined;
    const seenKeys = new Set<string>();
    const claimKey = (canonical: string, given: string): void => {
      if (seenKeys.has(canonical.toLowerCase())) {
        throw ScimError.badRequest('invalidSyntax', `Attribute "${given}" is given more than once (attribute names are case-insensitive)`);
      }
      seenKeys.add(canonical.toLowerCase());
    };

    for (const [key, raw] of Object.entries(body)) {
      if (key.toLowerCase() === 'schemas') continue;
      const extension = this.registry.findExtensionSchema(resourceTypeId, key);
      if (extension) {
        claimKey(extension.id, key);
        if (raw === null) continue;
        if (!isPlainObject(raw)) throw ScimError.badRequest('invalidSyntax', `Extension "${extension.id}" must be a JSON object`);
        const values = extensionValues.get(extension.id) ?? {};
        for (const [extensionKey, extensionRaw] of Object.entries(raw)) {
          this.assignAttribute(extension, extension.attributes, values, extensionKey, extensionRaw, `${extension.id}:${extensionKey}`, claimKey);
        }
        extensionValues.set(extension.id, values);
        continue;
      }
      if (key.toLowerCase().startsWith('urn:')) {
        // A fully qualified attribute name at the top level, e.g. "urn:...:enterprise:2.0:User:employeeNumber".
        const resolved = this.registry.resolveAttributePath(resourceTypeId, key);
        if (!resolved || resolved.subAttribute) {
          throw ScimError.badRequest('invalidSyntax', `"${key}" is neither a supported extension schema nor an attribute of ${resourceTypeId}`);
        }
        if (resolved.isCommon) {
          password = this.assignCore(core, coreValues, resolved.attribute.name, raw, claimKey) ?? password;
        } else if (resolved.isExtension) {
          const values = extensionValues.get(resolved.schema.id) ?? {};
          this.assignAttribute(resolved.schema, resolved.schema.attributes, values, resolved.attribute.name, raw, key, claimKey);
          extensionValues.set(resolved.schema.id, values);
        } else {
          password = this.assignCore(core, coreValues, resolved.attribute.name, raw, claimKey) ?? password;
        }
        continue;
      }
      password = this.assignCore(core, coreValues, key, raw, claimKey) ?? password;
    }

    const orderedCore = orderLike(core.attributes, coreValues) ?? {};
    this.requirePresent(core, orderedCore, core.name);
    const schemas: string[] = [core.id];
    const attributes: ScimJsonObject = { schemas };
    if (coreValues.externalId !== undefined) attributes.externalId = coreValues.externalId;
    Object.assign(attributes, orderedCore);
    for (const { schema, required } of extensions) {
      // Only extensions that carry data are stored and listed; an empty extension is unassigned.
      const values = orderLike(schema.attributes, extensionValues.get(schema.id) ?? {});
      if (values === undefined) {
        if (required) throw ScimError.badRequest('invalidValue', `The ${resourceTypeId} resource requires the extension "${schema.id}"`);
        continue;
      }
      this.requirePresent(schema, values, schema.id);
      schemas.push(schema.id);
      attributes[schema.id] = values;
    }
    return password === undefined ? { attributes } : { attributes, password };
  }

  /**
   * Checks `schemas`. Extensions carrying data but missing from `schemas` are tolerated and the
   * stored list is recomputed from the data, so the two can never disagree.
   */
  private readSchemas(resourceTypeId: ScimResourceTypeId, core: ScimSchemaDefinition, body: ScimJsonObject, mode: ValidationMode): void {
    const schemasKey = Object.keys(body).find((key) => key.toLowerCase() === 'schemas');
    const schemas = schemasKey === undefined ? undefined : body[schemasKey];
    if (schemas === undefined && mode === 'patch') return;
    if (!Array.isArray(schemas) || !schemas.every((urn): urn is string => typeof urn === 'string')) {
      throw ScimError.badRequest('invalidSyntax', '"schemas" must be an array of schema URIs');
    }
    // Structure first (the core URN), then values (each other URN must be a known extension).
    if (!schemas.some((urn) => urn.toLowerCase() === core.id.toLowerCase())) {
      throw ScimError.badRequest('invalidSyntax', `"schemas" must contain "${core.id}"`);
    }
    for (const urn of schemas) {
      if (urn.toLowerCase() === core.id.toLowerCase() || this.ignoredSchemaUris.has(urn.toLowerCase())) continue;
      if (!this.registry.findExtensionSchema(resourceTypeId, urn)) {
        throw ScimError.badRequest('invalidValue', `Schema "${urn}" is not supported for ${resourceTypeId} resources`);
      }
    }
  }

  /** Core-level key: common attributes, readOnly dropping and password extraction. Returns the password if this key was it. */
  private assignCore(
    core: ScimSchemaDefinition,
    target: ScimJsonObject,
    key: string,
    raw: unknown,
    claimKey: (canonical: string, given: string) => void,
  ): string | undefined {
    const common = findAttributeDefinition(this.registry.getCommonAttributes(), key);
    if (common) {
      claimKey(common.name, key);
      if (common.mutability === 'readOnly') return undefined; // id, meta: server-assigned, ignored on input.
      const value = normalizeAttributeValue(common, raw, common.name);
      if (value !== undefined) target[common.name] = value;
      return undefined;
    }
    const definition = findAttributeDefinition(core.attributes, key);
    if (definition?.mutability === 'writeOnly' && definition.name === 'password') {
      claimKey(definition.name, key);
      const value = normalizeAttributeValue(definition, raw, definition.name);
      return typeof value === 'string' ? value : undefined;
    }
    this.assignAttribute(core, core.attributes, target, key, raw, key, claimKey, false);
    return undefined;
  }

  private assignAttribute(
    schema: ScimSchemaDefinition,
    definitions: readonly ScimAttributeDefinition[],
    target: ScimJsonObject,
    key: string,
    raw: unknown,
    displayPath: string,
    claimKey: (canonical: string, given: string) => void,
    qualified = true,
  ): void {
    const definition = findAttributeDefinition(definitions, key);
    if (!definition) throw ScimError.badRequest('invalidSyntax', `Unknown attribute "${displayPath}" in schema ${schema.id}`);
    claimKey(qualified ? `${schema.id}:${definition.name}` : definition.name, displayPath);
    if (definition.mutability === 'readOnly') return; // RFC 7644 §3.3/§3.5.1: readOnly input SHALL be ignored.
    const value = normalizeAttributeValue(definition, raw, displayPath);
    if (value !== undefined) target[definition.name] = value;
  }

  private requirePresent(schema: ScimSchemaDefinition, values: ScimJsonObject, label: string): void {
    for (const definition of schema.attributes) {
      // readOnly required attributes are the server's to fill, not the client's.
      if (definition.required && definition.mutability !== 'readOnly' && values[definition.name] === undefined) {
        throw ScimError.badRequest('invalidValue', `Required attribute "${definition.name}" of ${label} is missing`);
      }
    }
  }

  private enforceImmutability(resourceTypeId: ScimResourceTypeId, existing: ScimJsonObject, replacement: ScimJsonObject): void {
    const core = this.registry.getCoreSchema(resourceTypeId);
    const containers: { schema: ScimSchemaDefinition; before: ScimJsonObject; after: () => ScimJsonObject }[] = [
      { schema: core, before: existing, after: () => replacement },
    ];
    for (const { schema } of this.registry.getExtensionSchemas(resourceTypeId)) {
      const before = existing[schema.id];
      if (!isPlainObject(before)) continue;
      containers.push({
        schema,
        before,
        after: () => {
          const current = replacement[schema.id];
          if (isPlainObject(current)) return current;
          const created: ScimJsonObject = {};
          replacement[schema.id] = created;
          if (Array.isArray(replacement.schemas) && !replacement.schemas.includes(schema.id)) replacement.schemas.push(schema.id);
          return created;
        },
      });
    }
    for (const { schema, before, after } of containers) {
      for (const definition of schema.attributes) {
        const oldValue = before[definition.name];
        if (oldValue === undefined) continue;
        if (definition.mutability === 'immutable') {
          const target = after();
          const newValue = target[definition.name];
          if (newValue === undefined) target[definition.name] = structuredClone(oldValue);
          else if (!attributeValuesEqual(definition, oldValue, newValue)) {
            throw ScimError.badRequest('mutability', `Attribute "${definition.name}" is immutable and already has a value`);
          }
        } else if (definition.type === 'complex' && !definition.multiValued && isPlainObject(oldValue)) {
          // Immutable sub-attributes of a single-valued complex attribute. (Elements of multi-valued
          // attributes, e.g. group members, are added/removed whole, so they are not compared.)
          for (const subDefinition of definition.subAttributes ?? []) {
            const oldSub = oldValue[subDefinition.name];
            if (subDefinition.mutability !== 'immutable' || oldSub === undefined) continue;
            const target = after();
            const complex = isPlainObject(target[definition.name]) ? (target[definition.name] as ScimJsonObject) : {};
            const newSub = complex[subDefinition.name];
            if (newSub === undefined) {
              complex[subDefinition.name] = structuredClone(oldSub);
              target[definition.name] = complex;
            } else if (!attributeValuesEqual(subDefinition, oldSub, newSub)) {
              throw ScimError.badRequest('mutability', `Attribute "${definition.name}.${subDefinition.name}" is immutable and already has a value`);
            }
          }
        }
      }
    }
  }
}
