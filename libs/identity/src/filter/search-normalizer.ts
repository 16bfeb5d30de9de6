import type { ScimAttributeDefinition } from '../schema/types';
import type { ScimAttributeResolver } from './attribute-resolver';
import { isCaseInsensitive } from './filter-binder';
import { isJsonObject, type JsonObject } from './scim-values';

/**
 * Builds the `norm` search document from a resource's `data` document. Rule (ScimFilterSqlCompiler relies on it):
 * - every attribute known to the resolver is re-keyed to its canonical schema spelling (`USERNAME` → `userName`,
 *   extension objects under the canonical URN), so jsonb paths and containment documents can use fixed keys;
 * - every string value of a string/reference attribute with caseExact=false is lowercased with
 *   String#toLowerCase (the compiler folds literals the same way, so the two always agree);
 * - everything else (caseExact strings, numbers, booleans, dateTimes, unknown members) is copied unchanged.
 * Pure: the input is not modified.
 */
export function normalizeForSearch(data: Readonly<JsonObject>, resolver: ScimAttributeResolver): JsonObject {
  const norm: JsonObject = {};
  for (const [key, value] of Object.entries(data)) {
    const resolved = resolver.resolve({ attribute: key });
    if (resolved && !resolved.extension) {
      norm[resolved.attribute.name] = normalizeValue(value, resolved.attribute);
      continue;
    }
    if (isJsonObject(value)) {
      const extension = normalizeExtension(key, value, resolver);
      if (extension) {
        norm[extension.schema] = extension.document;
        continue;
      }
    }
    norm[key] = value;
  }
  return norm;
}

/** `key` is an extension URN when its members resolve against that schema. */
function normalizeExtension(
  key: string,
  value: JsonObject,
  resolver: ScimAttributeResolver,
): { schema: string; document: JsonObject } | undefined {
  let schema: string | undefined;
  const document: JsonObject = {};
  for (const [member, memberValue] of Object.entries(value)) {
    const resolved = resolver.resolve({ schema: key, attribute: member });
    if (resolved?.extension) {
      schema = resolved.schema;
      document[resolved.attribute.name] = normalizeValue(memberValue, resolved.attribute);
    } else {
      document[member] = memberValue;
    }
  }
  return schema === undefined ? undefined : { schema, document };
}

function normalizeValue(value: unknown, definition: ScimAttributeDefinition): unknown {
  if (Array.isArray(value)) return value.map((element: unknown) => normalizeValue(element, definition));
  if (definition.type === 'complex' && isJsonObject(value)) {
    const normalized: JsonObject = {};
    for (const [member, memberValue] of Object.entries(value)) {
      const lowered = member.toLowerCase();
      const sub = definition.subAttributes?.find((candidate) => candidate.name.toLowerCase() === lowered);
      if (sub) normalized[sub.name] = normalizeValue(memberValue, sub);
      else normalized[member] = memberValue;
    }
    return normalized;
  }
  if (typeof value === 'string' && isCaseInsensitive(definition)) return value.toLowerCase();
  return value;
}
