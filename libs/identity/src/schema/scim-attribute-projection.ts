/**
 * Applies RFC 7644 §3.4.2.5 `attributes` / `excludedAttributes` and the RFC 7643 §2.2 "returned"
 * characteristic to an outgoing resource:
 *   always  → always included (cannot be excluded), never → never included,
 *   default → included unless excluded (or unless `attributes` names other things),
 *   request → included only when named in `attributes`.
 * Names are case-insensitive, may be sub-attributes (`name.givenName`, `emails.value`), fully
 * qualified (`urn:...:User:userName`), extension attributes (`urn:...:enterprise:2.0:User:manager.value`)
 * or a whole extension URN. Unknown names are ignored, as RFC 7644 gives no error for them.
 * When both parameters are given, `attributes` wins: it already defines the complete set.
 */
import { findAttributeDefinition, isPlainObject, type ScimSchemaRegistry } from './scim-schema-registry';
import type { ScimAttributeDefinition, ScimJsonObject, ScimResourceTypeId, ScimSchemaDefinition } from './types';

export interface ScimProjectionRequest {
  /** Comma-separated string (the raw query parameter) or a list of attribute paths. */
  attributes?: string | readonly string[];
  excludedAttributes?: string | readonly string[];
}

/** 'all' = the whole attribute was named; a set = only these sub-attributes (lower-case) were named. */
type Selection = 'all' | Set<string>;

interface ParsedSelection {
  /** keyed by container ('' for core, lower-case URN for extensions) then lower-case attribute name */
  byContainer: Map<string, Map<string, Selection>>;
  /** lower-case URNs of extensions named as a whole */
  wholeExtensions: Set<string>;
}

export function parseAttributeList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = typeof value === 'string' ? value.split(',') : value.flatMap((item) => item.split(','));
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

export function projectResource(
  registry: ScimSchemaRegistry,
  resourceTypeId: ScimResourceTypeId,
  resource: ScimJsonObject,
  request: ScimProjectionRequest = {},
): ScimJsonObject {
  const requested = parseAttributeList(request.attributes);
  const useAttributes = requested.length > 0;
  const selection = parseSelection(registry, resourceTypeId, useAttributes ? requested : parseAttributeList(request.excludedAttributes));
  const coreDefinitions = coreDefinitionsOf(registry, resourceTypeId);
  const extensions = new Map(registry.getExtensionSchemas(resourceTypeId).map(({ schema }) => [schema.id.toLowerCase(), schema]));

  const output: ScimJsonObject = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key.toLowerCase() === 'schemas') {
      output.schemas = value;
      continue;
    }
    const extension = extensions.get(key.toLowerCase());
    if (extension) {
      if (!isPlainObject(value)) continue;
      const urn = extension.id.toLowerCase();
      const whole = selection.wholeExtensions.has(urn);
      const projected = projectContainer(extension.attributes, value, selection.byContainer.get(urn), useAttributes, whole);
      if (Object.keys(projected).length > 0) output[key] = projected;
      continue;
    }
    const definition = findAttributeDefinition(coreDefinitions, key);
    if (!definition) {
      if (!useAttributes) output[key] = value; // not ours to judge; only an explicit attribute list drops it
      continue;
    }
    const projected = projectAttribute(definition, value, selection.byContainer.get('')?.get(definition.name.toLowerCase()), useAttributes, false);
    if (projected !== undefined) output[key] = projected;
  }
  if (Array.isArray(output.schemas)) {
    // Only list extensions whose data survived the projection.
    output.schemas = output.schemas.filter(
      (urn) => typeof urn !== 'string' || !extensions.has(urn.toLowerCase()) || Object.keys(output).some((key) => key.toLowerCase() === urn.toLowerCase()),
    );
  }
  return output;
}

/** Common + core attribute definitions of a type, built once per core schema (one array, so its name index is reused). */
const coreDefinitionsCache = new WeakMap<ScimSchemaDefinition, readonly ScimAttributeDefinition[]>();

function coreDefinitionsOf(registry: ScimSchemaRegistry, resourceTypeId: ScimResourceTypeId): readonly ScimAttributeDefinition[] {
  const core = registry.getCoreSchema(resourceTypeId);
  let definitions = coreDefinitionsCache.get(core);
  if (!definitions) {
    definitions = [...registry.getCommonAttributes(), ...core.attributes];
    coreDefinitionsCache.set(core, definitions);
  }
  return definitions;
}

function parseSelection(registry: ScimSchemaRegistry, resourceTypeId: ScimResourceTypeId, paths: string[]): ParsedSelection {
  const parsed: ParsedSelection = { byContainer: new Map(), wholeExtensions: new Set() };
  for (const path of paths) {
    const extension = registry.findExtensionSchema(resourceTypeId, path);
    if (extension) {
      parsed.wholeExtensions.add(extension.id.toLowerCase());
      continue;
    }
    const resolved = registry.resolveAttributePath(resourceTypeId, path);
    if (!resolved) continue;
    const container = resolved.isExtension ? resolved.schema.id.toLowerCase() : '';
    const attributes = parsed.byContainer.get(container) ?? new Map<string, Selection>();
    parsed.byContainer.set(container, attributes);
    const name = resolved.attribute.name.toLowerCase();
    const current = attributes.get(name);
    if (!resolved.subAttribute) attributes.set(name, 'all');
    else if (current !== 'all') attributes.set(name, new Set([...(current ?? []), resolved.subAttribute.name.toLowerCase()]));
  }
  return parsed;
}

function projectContainer(
  definitions: readonly ScimAttributeDefinition[],
  values: ScimJsonObject,
  selections: Map<string, Selection> | undefined,
  useAttributes: boolean,
  wholeContainerSelected: boolean,
): ScimJsonObject {
  const output: ScimJsonObject = {};
  for (const [key, value] of Object.entries(values)) {
    const definition = findAttributeDefinition(definitions, key);
    if (!definition) continue;
    const projected = projectAttribute(definition, value, selections?.get(definition.name.toLowerCase()), useAttributes, wholeContainerSelected);
    if (projected !== undefined) output[key] = projected;
  }
  return output;
}

/**
 * @param selection what the request named for this attribute (undefined = not named)
 * @param useAttributes true: selection is an `attributes` inclusion list; false: an exclusion list
 * @param wholeContainerSelected the enclosing extension was named as a whole (in whichever list is in use)
 */
function projectAttribute(
  definition: ScimAttributeDefinition,
  value: unknown,
  selection: Selection | undefined,
  useAttributes: boolean,
  wholeContainerSelected: boolean,
): unknown {
  if (definition.returned === 'never') return undefined;
  if (definition.returned === 'always') return stripSubAttributes(definition, value, undefined, false);
  if (useAttributes) {
    if (wholeContainerSelected && definition.returned !== 'request') return stripSubAttributes(definition, value, undefined, false);
    if (selection === undefined) return undefined;
    if (selection === 'all') return stripSubAttributes(definition, value, undefined, false);
    return stripSubAttributes(definition, value, selection, true);
  }
  if (definition.returned === 'request') return undefined;
  if (selection === 'all' || wholeContainerSelected) return undefined;
  return stripSubAttributes(definition, value, selection, false);
}

/**
 * Applies sub-attribute rules inside complex values (each element of a multi-valued one).
 * @param named sub-attribute names the request mentioned (lower-case)
 * @param namedAreIncluded true: keep only `named` (+ always); false: drop `named` (except always)
 */
function stripSubAttributes(definition: ScimAttributeDefinition, value: unknown, named: Set<string> | undefined, namedAreIncluded: boolean): unknown {
  if (definition.type !== 'complex') return value;
  const projectOne = (element: unknown): unknown => {
    if (!isPlainObject(element)) return element;
    const output: ScimJsonObject = {};
    for (const [key, subValue] of Object.entries(element)) {
      const subDefinition = findAttributeDefinition(definition.subAttributes, key);
      const returned = subDefinition?.returned ?? 'default';
      const isNamed = named?.has(key.toLowerCase()) ?? false;
      if (returned === 'never') continue;
      if (returned !== 'always') {
        if (namedAreIncluded && !isNamed) continue;
        if (!namedAreIncluded && isNamed) continue;
        if (returned === 'request' && !isNamed) continue;
      }
      output[key] = subValue;
    }
    return output;
  };
  if (Array.isArray(value)) {
    const elements = value.map(projectOne).filter((element) => !isPlainObject(element) || Object.keys(element).length > 0);
    return elements.length === 0 ? undefined : elements;
  }
  const projected = projectOne(value);
  return isPlainObject(projected) && Object.keys(projected).length === 0 ? undefined : projected;
}
