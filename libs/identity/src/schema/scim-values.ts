/**
 * Value-level rules shared by the resource validator and the PATCH engine, so a PATCH can never
 * store a value that a POST/PUT would have rejected: type checks, Entra-tolerant coercions,
 * "empty means unassigned", duplicate merging and the single-primary rule.
 */
import { ScimError } from '../errors/scim-error';
import { findAttributeDefinition, isPlainObject } from './scim-schema-registry';
import type { ScimAttributeDefinition, ScimJsonObject } from './types';

/** RFC 3339 / xsd:dateTime as RFC 7643 §2.3.5 requires (timezone optional per xsd). */
const DATE_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** null, "" and [] mean "unassigned" (RFC 7643 §2.5; Entra sends them to clear values). */
export function isUnassigned(value: unknown): boolean {
  return value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

/**
 * Entra ID sends booleans as "True"/"False" strings; accept any casing of true/false.
 * Returns undefined when the value is not a boolean in either form.
 */
export function coerceBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return undefined;
}

function invalidType(path: string, expected: string, value: unknown): ScimError {
  return ScimError.badRequest('invalidValue', `Attribute "${path}" must be ${expected} (got ${JSON.stringify(value)})`);
}

/**
 * Checks and normalizes one value against its definition. Returns undefined when the value is
 * unassigned (and should be removed). readOnly sub-attributes inside a complex value are
 * dropped, the same way RFC 7644 §3.3 / §3.5.1 tell servers to ignore readOnly input.
 */
export function normalizeAttributeValue(definition: ScimAttributeDefinition, value: unknown, path: string): unknown {
  if (isUnassigned(value)) return undefined;
  if (!definition.multiValued) {
    if (Array.isArray(value)) throw invalidType(path, 'a single value, not an array', value);
    return normalizeSingleValue(definition, value, path);
  }
  // A single object (or scalar) for a multi-valued attribute is tolerated by wrapping it.
  const elements = Array.isArray(value) ? value : [value];
  const normalized = new MultiValuedElements(definition);
  for (const [index, element] of elements.entries()) {
    const single = normalizeSingleValue(definition, element, `${path}[${index}]`);
    if (single !== undefined) normalized.appendOrMerge(single);
  }
  enforceSinglePrimary(normalized.elements);
  return normalized.elements.length === 0 ? undefined : normalized.elements;
}

export function normalizeSingleValue(definition: ScimAttributeDefinition, value: unknown, path: string): unknown {
  if (isUnassigned(value)) return undefined;
  switch (definition.type) {
    case 'string':
      if (typeof value !== 'string') throw invalidType(path, 'a string', value);
      return value;
    case 'reference':
      if (typeof value !== 'string') throw invalidType(path, 'a reference (URI string)', value);
      return value;
    case 'boolean': {
      const coerced = coerceBoolean(value);
      if (coerced === undefined) throw invalidType(path, 'a boolean', value);
      return coerced;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(path, 'an integer', value);
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidType(path, 'a decimal number', value);
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || !DATE_TIME_PATTERN.test(value) || Number.isNaN(Date.parse(value))) {
        throw invalidType(path, 'an xsd:dateTime such as 2008-01-23T04:56:22Z', value);
      }
      return value;
    case 'binary':
      if (typeof value !== 'string' || !BASE64_PATTERN.test(value)) throw invalidType(path, 'base64-encoded binary', value);
      return value;
    case 'complex':
      return normalizeComplexValue(definition, value, path);
  }
}

function normalizeComplexValue(definition: ScimAttributeDefinition, value: unknown, path: string): ScimJsonObject | undefined {
  let object: ScimJsonObject;
  if (isPlainObject(value)) {
    object = value;
  } else if (findAttributeDefinition(definition.subAttributes, 'value') && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
    // Entra sends the enterprise manager as a bare id; a scalar means the "value" sub-attribute.
    object = { value };
  } else {
    throw invalidType(path, 'a complex object', value);
  }
  const result: ScimJsonObject = {};
  const seen = new Set<string>();
  for (const [key, raw] of Object.entries(object)) {
    const subDefinition = findAttributeDefinition(definition.subAttributes, key);
    if (!subDefinition) {
      throw ScimError.badRequest('invalidSyntax', `Unknown sub-attribute "${key}" in "${path}"`);
    }
    if (seen.has(subDefinition.name)) throw ScimError.badRequest('invalidSyntax', `Sub-attribute "${path}.${subDefinition.name}" is given twice`);
    seen.add(subDefinition.name);
    if (subDefinition.mutability === 'readOnly') continue;
    const normalized = normalizeAttributeValue(subDefinition, raw, `${path}.${subDefinition.name}`);
    if (normalized !== undefined) result[subDefinition.name] = normalized;
  }
  return orderLike(definition.subAttributes ?? [], result);
}

/** Re-emits keys in schema-definition order so stored documents are stable and diffable. */
export function orderLike(definitions: readonly ScimAttributeDefinition[], object: ScimJsonObject): ScimJsonObject | undefined {
  const ordered: ScimJsonObject = {};
  for (const definition of definitions) {
    if (object[definition.name] !== undefined) ordered[definition.name] = object[definition.name];
  }
  return Object.keys(ordered).length === 0 ? undefined : ordered;
}

/** Compares two strings as the attribute's caseExact characteristic says (RFC 7643 §2.2). */
function stringsEqual(definition: ScimAttributeDefinition | undefined, a: string, b: string): boolean {
  return definition?.caseExact ? a === b : a.toLowerCase() === b.toLowerCase();
}

/**
 * Whether two elements of a multi-valued attribute denote the same value. Elements with a
 * "value" sub-attribute are identified by value (+ type when both carry one): adding member X
 * twice, or X with a display name, is the same member. Others compare structurally.
 */
export function isSameMultiValuedElement(definition: ScimAttributeDefinition, a: unknown, b: unknown): boolean {
  if (definition.type !== 'complex') {
    return typeof a === 'string' && typeof b === 'string' ? stringsEqual(definition, a, b) : jsonEqual(a, b);
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return jsonEqual(a, b);
  const valueDefinition = findAttributeDefinition(definition.subAttributes, 'value');
  if (valueDefinition && a.value !== undefined && b.value !== undefined) {
    const sameValue = typeof a.value === 'string' && typeof b.value === 'string'
      ? stringsEqual(valueDefinition, a.value, b.value)
      : jsonEqual(a.value, b.value);
    if (!sameValue) return false;
    if (typeof a.type === 'string' && typeof b.type === 'string') return a.type.toLowerCase() === b.type.toLowerCase();
    return true;
  }
  return jsonEqual(a, b);
}

/** Appends `element` unless an equal element exists, in which case the new sub-attributes win. Returns its index. */
export function appendOrMerge(definition: ScimAttributeDefinition, elements: unknown[], element: unknown): number {
  const existingIndex = elements.findIndex((existing) => isSameMultiValuedElement(definition, existing, element));
  if (existingIndex === -1) {
    elements.push(element);
    return elements.length - 1;
  }
  const existing = elements[existingIndex];
  if (isPlainObject(existing) && isPlainObject(element)) {
    elements[existingIndex] = orderLike(definition.subAttributes ?? [], { ...existing, ...element }) ?? element;
  }
  return existingIndex;
}

/**
 * A multi-valued attribute's elements with appendOrMerge and removal in constant time per element
 * identified by a string (its `value`, or itself for multi-valued strings): one PATCH adding 10,000
 * group members must not compare every pair (O(n²): tens of seconds). The result is exactly that of
 * calling appendOrMerge / isSameMultiValuedElement element by element: an element with a string
 * identity can only ever be "the same" as another with an equal identity (the rest of
 * isSameMultiValuedElement is checked on those candidates), so the other elements — which are
 * compared the slow way — never match keyed ones.
 */
export class MultiValuedElements {
  private readonly byKey = new Map<string, number[]>();
  private readonly valueDefinition: ScimAttributeDefinition | undefined;

  constructor(
    private readonly definition: ScimAttributeDefinition,
    readonly elements: unknown[] = [],
  ) {
    this.valueDefinition = definition.type === 'complex' ? findAttributeDefinition(definition.subAttributes, 'value') : undefined;
    elements.forEach((element, index) => this.index(element, index));
  }

  /** appendOrMerge(definition, elements, element). */
  appendOrMerge(element: unknown): number {
    const key = this.keyOf(element);
    if (key === undefined) return appendOrMerge(this.definition, this.elements, element);
    const existingIndex = this.byKey.get(key)?.find((index) => isSameMultiValuedElement(this.definition, this.elements[index], element));
    if (existingIndex === undefined) {
      this.elements.push(element);
      this.index(element, this.elements.length - 1);
      return this.elements.length - 1;
    }
    const existing = this.elements[existingIndex];
    if (isPlainObject(existing) && isPlainObject(element)) {
      this.elements[existingIndex] = orderLike(this.definition.subAttributes ?? [], { ...existing, ...element }) ?? element;
    }
    return existingIndex;
  }

  /** The elements that are not the same as any of `toRemove` (isSameMultiValuedElement). */
  without(toRemove: unknown[]): unknown[] {
    const keyed = new Map<string, unknown[]>();
    const others: unknown[] = [];
    for (const removed of toRemove) {
      const key = this.keyOf(removed);
      if (key === undefined) others.push(removed);
      else keyed.set(key, [...(keyed.get(key) ?? []), removed]);
    }
    return this.elements.filter((element) => {
      const key = this.keyOf(element);
      const candidates = key === undefined ? others : (keyed.get(key) ?? []);
      return !candidates.some((removed) => isSameMultiValuedElement(this.definition, element, removed));
    });
  }

  /** The identity an equal element must share, when it is a string; undefined: compare structurally. */
  private keyOf(element: unknown): string | undefined {
    if (this.definition.type !== 'complex') {
      return typeof element === 'string' ? (this.definition.caseExact ? element : element.toLowerCase()) : undefined;
    }
    if (!this.valueDefinition || !isPlainObject(element) || typeof element.value !== 'string') return undefined;
    return this.valueDefinition.caseExact ? element.value : element.value.toLowerCase();
  }

  private index(element: unknown, index: number): void {
    const key = this.keyOf(element);
    if (key === undefined) return;
    const list = this.byKey.get(key);
    if (list) list.push(index);
    else this.byKey.set(key, [index]);
  }
}

/**
 * RFC 7643 §2.4: "primary" true MUST appear no more than once and the server should make it so.
 * The preferred element (the one a PATCH just set) wins; otherwise the last one given wins,
 * matching "last write wins" for clients that append a new primary without clearing the old.
 * Losers lose the flag entirely (unassigned) rather than get an explicit false.
 */
export function enforceSinglePrimary(elements: unknown[], preferredIndex?: number): void {
  const primaryIndexes = elements
    .map((element, index) => (isPlainObject(element) && element.primary === true ? index : -1))
    .filter((index) => index !== -1);
  if (primaryIndexes.length <= 1) return;
  const keep = preferredIndex !== undefined && primaryIndexes.includes(preferredIndex) ? preferredIndex : primaryIndexes[primaryIndexes.length - 1];
  for (const index of primaryIndexes) {
    const element = elements[index];
    if (index !== keep && isPlainObject(element)) {
      const { primary: _dropped, ...rest } = element;
      elements[index] = rest;
    }
  }
}

/** Structural JSON equality (key order irrelevant). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const aKeys = Object.keys(a).filter((key) => a[key] !== undefined);
    const bKeys = Object.keys(b).filter((key) => b[key] !== undefined);
    return aKeys.length === bKeys.length && aKeys.every((key) => jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Equality for immutability checks: honours caseExact on strings, structural otherwise. */
export function attributeValuesEqual(definition: ScimAttributeDefinition, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return stringsEqual(definition, a, b);
  if (definition.type === 'complex' && !definition.multiValued && isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => {
      const subDefinition = findAttributeDefinition(definition.subAttributes, key);
      return subDefinition ? attributeValuesEqual(subDefinition, a[key], b[key]) : jsonEqual(a[key], b[key]);
    });
  }
  return jsonEqual(a, b);
}
