/**
 * RFC 7644 §3.5.2 PATCH, applied to a stored resource document as a pure function.
 * Hand-written on purpose, with no JSON-patch dependency: the PATCH engine is the product.
 *
 * Behaviour decisions (all RFC-referenced where the RFC speaks):
 * - `op` is case-insensitive: Entra ID sends "Add" / "Replace" / "Remove".
 * - Operations apply in order and atomically: any failure leaves the input untouched.
 * - The result is re-validated by ScimResourceValidator, so PATCH can never store what PUT rejects.
 * - replace with a value filter that matches nothing → 400 noTarget (§3.5.2.3 says so explicitly).
 * - remove with a value filter that matches nothing → 400 noTarget by default (§3.12 defines
 *   noTarget as "a filter that yields no match"); `unmatchedRemoveFilter: 'ignore'` makes it an
 *   idempotent no-op for clients that retry removals.
 * - add with a value filter that matches nothing creates the element from the filter's `eq`
 *   terms (`addresses[type eq "work"].streetAddress` → {type:"work", streetAddress}); Entra relies on it.
 * - remove of a required attribute, or of/through a readOnly one → 400 mutability (§3.5.2.2).
 * - Empty values (`""`, null, `[]`) on add/replace mean "remove" (Entra clears attributes this way).
 * - Too many operations → 400 invalidValue: "tooMany" is defined for result-set size, not bodies.
 */
import { ScimError } from '../errors/scim-error';
import { formatAttrPath, type FilterNode } from '../filter/ast';
import { ScimFilterParser } from '../filter/scim-filter-parser';
import { ScimResourceValidator } from '../schema/scim-resource-validator';
import { findAttributeDefinition, isPlainObject, type ScimSchemaRegistry } from '../schema/scim-schema-registry';
import {
  attributeValuesEqual,
  enforceSinglePrimary,
  isUnassigned,
  jsonEqual,
  MultiValuedElements,
  normalizeAttributeValue,
  normalizeSingleValue,
  orderLike,
} from '../schema/scim-values';
import { SCIM_SCHEMAS, type ScimAttributeDefinition, type ScimJsonObject, type ScimResourceTypeId, type ScimSchemaDefinition } from '../schema/types';
import { ScimElementFilterEvaluator } from '../filter/filter-evaluator';
import { equalityAssignments, type ScimValueFilterMatcher } from './value-filter-matcher';

export type ScimPatchOperationType = 'add' | 'remove' | 'replace';

export interface ScimPatchOperation {
  op: ScimPatchOperationType;
  path?: string;
  value?: unknown;
}

export interface ScimPatchResult {
  /** The new stored document (id/meta carried over untouched if the input had them). */
  resource: ScimJsonObject;
  /** Attribute paths whose value changed, canonical spelling: `active`, `name.givenName`, `urn:...:User:manager`. */
  changedAttributes: string[];
  /** Set when an operation supplied a new password; it is never written into `resource`. */
  password?: string;
}

export interface ScimPatchEngineOptions {
  /** Upper bound on Operations per request (default 1000); more → 400 invalidValue. */
  maxOperations?: number;
  /** What a remove whose value filter matches nothing does (default 'noTarget'). */
  unmatchedRemoveFilter?: 'noTarget' | 'ignore';
  validator?: ScimResourceValidator;
  filterParser?: ScimFilterParser;
  filterMatcher?: ScimValueFilterMatcher;
}

export const DEFAULT_MAX_PATCH_OPERATIONS = 1000;

/** What a PATCH path (or a key of a path-less value object) points at. */
interface PatchTarget {
  text: string;
  /** Set when the path is an extension URN on its own: the whole extension object. */
  wholeExtension?: ScimSchemaDefinition;
  /** URN of the extension holding the attribute; undefined for core and common attributes. */
  extensionUrn?: string;
  attribute?: ScimAttributeDefinition;
  subAttribute?: ScimAttributeDefinition;
  valueFilter?: FilterNode;
  required: boolean;
}

interface PatchContext {
  resourceTypeId: ScimResourceTypeId;
  document: ScimJsonObject;
  password?: string;
}

export class ScimPatchEngine {
  private readonly maxOperations: number;
  private readonly unmatchedRemoveFilter: 'noTarget' | 'ignore';
  private readonly validator: ScimResourceValidator;
  private readonly filterParser: ScimFilterParser;
  private readonly filterMatcher: ScimValueFilterMatcher;

  constructor(
    private readonly registry: ScimSchemaRegistry,
    options: ScimPatchEngineOptions = {},
  ) {
    this.maxOperations = options.maxOperations ?? DEFAULT_MAX_PATCH_OPERATIONS;
    this.unmatchedRemoveFilter = options.unmatchedRemoveFilter ?? 'noTarget';
    this.validator = options.validator ?? new ScimResourceValidator(registry);
    this.filterParser = options.filterParser ?? new ScimFilterParser();
    // The filter engine's element evaluator: PATCH selects elements exactly as search filters match them.
    this.filterMatcher = options.filterMatcher ?? new ScimElementFilterEvaluator();
  }

  /** Validates a PatchOp body (RFC 7644 §3.5.2) into operations; throws 400 invalidSyntax / invalidValue. */
  parseRequest(body: unknown): ScimPatchOperation[] {
    if (!isPlainObject(body)) throw ScimError.badRequest('invalidSyntax', 'The PATCH body must be a JSON object');
    const schemas = readKey(body, 'schemas');
    if (!Array.isArray(schemas) || !schemas.some((urn) => typeof urn === 'string' && urn.toLowerCase() === SCIM_SCHEMAS.patchOp.toLowerCase())) {
      throw ScimError.badRequest('invalidSyntax', `"schemas" must contain "${SCIM_SCHEMAS.patchOp}"`);
    }
    const operations = readKey(body, 'Operations');
    if (!Array.isArray(operations) || operations.length === 0) {
      throw ScimError.badRequest('invalidSyntax', '"Operations" must be a non-empty array of PATCH operations');
    }
    if (operations.length > this.maxOperations) {
      throw ScimError.badRequest('invalidValue', `A PATCH request may contain at most ${this.maxOperations} operations (got ${operations.length})`);
    }
    return operations.map((operation, index) => {
      if (!isPlainObject(operation)) throw ScimError.badRequest('invalidSyntax', `Operations[${index}] must be an object`);
      const op = readKey(operation, 'op');
      const normalizedOp = typeof op === 'string' ? op.toLowerCase() : undefined;
      if (normalizedOp !== 'add' && normalizedOp !== 'remove' && normalizedOp !== 'replace') {
        throw ScimError.badRequest('invalidSyntax', `Operations[${index}].op must be "add", "remove" or "replace" (got ${JSON.stringify(op)})`);
      }
      const path = readKey(operation, 'path');
      if (path !== undefined && (typeof path !== 'string' || path.trim() === '')) {
        throw ScimError.badRequest('invalidPath', `Operations[${index}].path must be a non-empty string`);
      }
      const parsed: ScimPatchOperation = { op: normalizedOp };
      if (typeof path === 'string') parsed.path = path.trim();
      const value = readKey(operation, 'value');
      if (value !== undefined) parsed.value = value;
      return parsed;
    });
  }

  /**
   * Applies a PatchOp body to `resource` (the stored document, optionally with id/meta) and returns
   * the new document. The input object is never mutated.
   */
  apply(resourceTypeId: ScimResourceTypeId, resource: ScimJsonObject, body: unknown): ScimPatchResult {
    const operations = this.parseRequest(body);
    const { id, meta, ...stored } = structuredClone(resource);
    const before = this.validator.validatePatchedDocument(resourceTypeId, stored);
    const context: PatchContext = { resourceTypeId, document: structuredClone(before) };

    for (const operation of operations) this.applyOperation(context, operation, id);

    const after = this.validator.validatePatchedDocument(resourceTypeId, context.document);
    const changedAttributes = this.diff(resourceTypeId, before, after);
    if (context.password !== undefined) changedAttributes.push('password');
    const output: ScimJsonObject = {};
    if (id !== undefined) output.id = id;
    Object.assign(output, after);
    if (meta !== undefined) output.meta = meta;
    const result: ScimPatchResult = { resource: output, changedAttributes };
    if (context.password !== undefined) result.password = context.password;
    return result;
  }

  private applyOperation(context: PatchContext, operation: ScimPatchOperation, currentId: unknown): void {
    if (operation.path !== undefined) {
      this.applyToTarget(context, operation.op, this.resolveTarget(context.resourceTypeId, operation.path, 'invalidPath'), operation.value);
      return;
    }
    if (operation.op === 'remove') throw ScimError.badRequest('noTarget', 'A remove operation requires a "path" (RFC 7644 §3.5.2.2)');
    // No path: the value is a set of attributes to add/replace on the resource itself (§3.5.2.1/3).
    if (!isPlainObject(operation.value)) {
      throw ScimError.badRequest('invalidSyntax', `A path-less ${operation.op} needs an object "value" of attributes`);
    }
    for (const [key, value] of Object.entries(operation.value)) {
      if (key.toLowerCase() === 'schemas') continue; // echoed by some clients; recomputed from the data
      // Okta renames groups with {"id": <same id>, "displayName": ...}: an unchanged id is not an edit.
      if (key.toLowerCase() === 'id' && currentId !== undefined && value === currentId) continue;
      this.applyToTarget(context, operation.op, this.resolveTarget(context.resourceTypeId, key, 'invalidSyntax'), value);
    }
  }

  /** Resolves a PATCH path or value-object key (which may itself be `name.givenName` or a URN path). */
  private resolveTarget(resourceTypeId: ScimResourceTypeId, text: string, errorType: 'invalidPath' | 'invalidSyntax'): PatchTarget {
    const wholeExtension = this.registry.findExtensionSchema(resourceTypeId, text);
    if (wholeExtension) {
      const required = this.registry.getExtensionSchemas(resourceTypeId).some((entry) => entry.schema === wholeExtension && entry.required);
      return { text, wholeExtension, required };
    }
    const parsed = this.filterParser.parsePath(text);
    const { subAttribute: subName, ...topPath } = parsed.attrPath;
    const resolved = this.registry.resolveAttributePath(resourceTypeId, formatAttrPath(topPath));
    if (!resolved) throw ScimError.badRequest(errorType, `"${text}" does not name an attribute of ${resourceTypeId}`);
    const { attribute } = resolved;
    const target: PatchTarget = { text, attribute, required: attribute.required };
    if (resolved.isExtension) target.extensionUrn = resolved.schema.id;
    if (subName !== undefined) {
      const subAttribute = attribute.type === 'complex' ? findAttributeDefinition(attribute.subAttributes, subName) : undefined;
      if (!subAttribute) throw ScimError.badRequest(errorType, `"${text}": "${attribute.name}" has no sub-attribute "${subName}"`);
      target.subAttribute = subAttribute;
    }
    if (parsed.valueFilter) {
      if (!attribute.multiValued) throw ScimError.badRequest('invalidPath', `"${text}": value filters apply to multi-valued attributes only`);
      target.valueFilter = parsed.valueFilter;
    }
    return target;
  }

  private applyToTarget(context: PatchContext, op: ScimPatchOperationType, target: PatchTarget, value: unknown): void {
    if (target.wholeExtension) {
      this.applyToExtension(context, op, target, target.wholeExtension, value);
      return;
    }
    const attribute = target.attribute;
    if (!attribute) throw ScimError.badRequest('invalidPath', `"${target.text}" does not name an attribute`);
    if (attribute.mutability === 'readOnly' || target.subAttribute?.mutability === 'readOnly') {
      throw ScimError.badRequest('mutability', `"${target.text}" is readOnly`);
    }
    if (attribute.mutability === 'writeOnly' && attribute.name === 'password' && target.extensionUrn === undefined) {
      // The password is handed back to the caller for hashing and never stored in the document.
      if (op !== 'remove' && !isUnassigned(value)) {
        const password = normalizeAttributeValue(attribute, value, attribute.name);
        if (typeof password === 'string') context.password = password;
      }
      return;
    }
    const container = this.containerFor(context, target, op !== 'remove' && !isUnassigned(value));
    if (!container) return; // removing from an extension the resource does not have: nothing to do
    if (!attribute.multiValued) {
      if (target.subAttribute) this.applyToSubAttribute(op, target, attribute, target.subAttribute, container, value);
      else this.applyToSingleValued(op, target, attribute, container, value);
      return;
    }
    if (target.valueFilter || target.subAttribute) this.applyToSelectedElements(op, target, attribute, container, value);
    else this.applyToMultiValued(op, target, attribute, container, value);
  }

  private applyToExtension(context: PatchContext, op: ScimPatchOperationType, target: PatchTarget, extension: ScimSchemaDefinition, value: unknown): void {
    if (op === 'remove' || isUnassigned(value)) {
      if (target.required) throw ScimError.badRequest('mutability', `The extension "${extension.id}" is required and cannot be removed`);
      delete context.document[extension.id];
      return;
    }
    if (!isPlainObject(value)) throw ScimError.badRequest('invalidValue', `"${extension.id}" must be given an object of its attributes`);
    for (const [key, attributeValue] of Object.entries(value)) {
      this.applyToTarget(context, op, this.resolveTarget(context.resourceTypeId, `${extension.id}:${key}`, 'invalidSyntax'), attributeValue);
    }
  }

  private containerFor(context: PatchContext, target: PatchTarget, create: boolean): ScimJsonObject | undefined {
    if (target.extensionUrn === undefined) return context.document;
    const existing = context.document[target.extensionUrn];
    if (isPlainObject(existing)) return existing;
    if (!create) return undefined;
    const created: ScimJsonObject = {};
    context.document[target.extensionUrn] = created;
    return created;
  }

  /** Simple or complex single-valued attribute, no sub-attribute in the path. */
  private applyToSingleValued(op: ScimPatchOperationType, target: PatchTarget, attribute: ScimAttributeDefinition, container: ScimJsonObject, value: unknown): void {
    const current = container[attribute.name];
    if (op === 'remove' || isUnassigned(value)) {
      this.assertRemovable(target, attribute, current);
      delete container[attribute.name];
      return;
    }
    let next = normalizeAttributeValue(attribute, value, target.text);
    if (attribute.type === 'complex' && isPlainObject(current) && isPlainObject(next)) {
      // §3.5.2.3: sub-attributes not given are left unchanged; explicitly empty ones are cleared.
      const merged: ScimJsonObject = { ...current, ...next };
      const raw = isPlainObject(value) ? value : {};
      for (const [key, rawSub] of Object.entries(raw)) {
        const subDefinition = findAttributeDefinition(attribute.subAttributes, key);
        if (subDefinition && isUnassigned(rawSub)) delete merged[subDefinition.name];
      }
      for (const subDefinition of attribute.subAttributes ?? []) {
        this.assertMutable(subDefinition, current[subDefinition.name], merged[subDefinition.name], `${target.text}.${subDefinition.name}`);
      }
      next = orderLike(attribute.subAttributes ?? [], merged);
    }
    this.assertMutable(attribute, current, next, target.text);
    if (next === undefined) delete container[attribute.name];
    else container[attribute.name] = next;
  }

  /** `name.givenName`, `urn:...:User:manager.value`. */
  private applyToSubAttribute(
    op: ScimPatchOperationType,
    target: PatchTarget,
    attribute: ScimAttributeDefinition,
    subAttribute: ScimAttributeDefinition,
    container: ScimJsonObject,
    value: unknown,
  ): void {
    const current = isPlainObject(container[attribute.name]) ? { ...(container[attribute.name] as ScimJsonObject) } : {};
    const next = op === 'remove' ? undefined : normalizeAttributeValue(subAttribute, value, target.text);
    if (next === undefined) {
      if (subAttribute.required && current[subAttribute.name] !== undefined) {
        throw ScimError.badRequest('mutability', `"${target.text}" is required and cannot be removed`);
      }
      this.assertMutable(subAttribute, current[subAttribute.name], undefined, target.text);
      delete current[subAttribute.name];
    } else {
      this.assertMutable(subAttribute, current[subAttribute.name], next, target.text);
      current[subAttribute.name] = next;
    }
    const ordered = orderLike(attribute.subAttributes ?? [], current);
    if (ordered === undefined) {
      this.assertRemovable(target, attribute, container[attribute.name]);
      delete container[attribute.name];
    } else {
      container[attribute.name] = ordered;
    }
  }

  /** Multi-valued attribute addressed as a whole (`members`, `emails`). */
  private applyToMultiValued(op: ScimPatchOperationType, target: PatchTarget, attribute: ScimAttributeDefinition, container: ScimJsonObject, value: unknown): void {
    const current = Array.isArray(container[attribute.name]) ? [...(container[attribute.name] as unknown[])] : [];
    if (op === 'remove' && !isUnassigned(value)) {
      // Entra removes members with {"op":"Remove","path":"members","value":[{"value":"id"}]}:
      // remove the listed elements; ones already absent are fine (the end state is what was asked).
      const toRemove = (Array.isArray(value) ? value : [value])
        .map((element, index) => normalizeSingleValue(attribute, element, `${target.text}[${index}]`))
        .filter((element) => element !== undefined);
      const remaining = new MultiValuedElements(attribute, current).without(toRemove);
      this.store(target, attribute, container, remaining);
      return;
    }
    if (op === 'remove' || (op === 'replace' && isUnassigned(value))) {
      this.assertRemovable(target, attribute, container[attribute.name]);
      delete container[attribute.name];
      return;
    }
    const incoming = normalizeAttributeValue(attribute, value, target.text);
    const elements = Array.isArray(incoming) ? incoming : [];
    if (op === 'replace') {
      this.store(target, attribute, container, elements);
      return;
    }
    // add: append, merging elements that are already there (adding an existing member is a no-op).
    let preferredPrimary: number | undefined;
    const merged = new MultiValuedElements(attribute, current);
    for (const element of elements) {
      const index = merged.appendOrMerge(element);
      if (isPlainObject(element) && element.primary === true) preferredPrimary = index;
    }
    enforceSinglePrimary(current, preferredPrimary);
    this.store(target, attribute, container, current);
  }

  /** `emails[type eq "work"]`, `emails[type eq "work"].value`, `emails.value` (all elements). */
  private applyToSelectedElements(op: ScimPatchOperationType, target: PatchTarget, attribute: ScimAttributeDefinition, container: ScimJsonObject, value: unknown): void {
    const elements = Array.isArray(container[attribute.name]) ? [...(container[attribute.name] as unknown[])] : [];
    const filter = target.valueFilter;
    const matched = elements
      .map((element, index) => (filter === undefined || this.elementMatches(filter, attribute, element, target.text) ? index : -1))
      .filter((index) => index !== -1);
    const subAttribute = target.subAttribute;

    if (matched.length === 0) {
      if (op === 'remove') {
        if (this.unmatchedRemoveFilter === 'ignore' || filter === undefined) return;
        throw ScimError.badRequest('noTarget', `"${target.text}" matched no values`);
      }
      if (isUnassigned(value)) {
        if (op === 'replace' && filter !== undefined) throw ScimError.badRequest('noTarget', `"${target.text}" matched no values`);
        return;
      }
      if (op === 'replace' && filter !== undefined) throw ScimError.badRequest('noTarget', `"${target.text}" matched no values (RFC 7644 §3.5.2.3)`);
      // add (or replace of `emails.value` on an empty list): create the element the path describes.
      const seed = filter === undefined ? {} : equalityAssignments(filter, attribute);
      if (seed === undefined) throw ScimError.badRequest('noTarget', `"${target.text}" matched no values and its filter does not describe a new one`);
      const raw = subAttribute ? { ...seed, [subAttribute.name]: value } : { ...seed, ...(isPlainObject(value) ? value : { value }) };
      const created = normalizeSingleValue(attribute, raw, target.text);
      if (created === undefined) return;
      elements.push(created);
      enforceSinglePrimary(elements, isPlainObject(created) && created.primary === true ? elements.length - 1 : undefined);
      this.store(target, attribute, container, elements);
      return;
    }

    let preferredPrimary: number | undefined;
    const removed = new Set<number>();
    for (const index of matched) {
      const element = elements[index];
      if (subAttribute) {
        const current: ScimJsonObject = isPlainObject(element) ? { ...element } : {};
        const next = op === 'remove' ? undefined : normalizeAttributeValue(subAttribute, value, target.text);
        this.assertMutable(subAttribute, current[subAttribute.name], next, target.text);
        if (next === undefined) delete current[subAttribute.name];
        else current[subAttribute.name] = next;
        const ordered = orderLike(attribute.subAttributes ?? [], current);
        if (ordered === undefined) removed.add(index);
        else elements[index] = ordered;
        if (subAttribute.name === 'primary' && next === true) preferredPrimary = index;
        continue;
      }
      if (op === 'remove' || isUnassigned(value)) {
        removed.add(index);
        continue;
      }
      // replace: the matching record is replaced (§3.5.2.3); add: the given sub-attributes are merged in.
      const incoming = normalizeSingleValue(attribute, value, target.text);
      const next = op === 'add' && isPlainObject(element) && isPlainObject(incoming) ? orderLike(attribute.subAttributes ?? [], { ...element, ...incoming }) : incoming;
      for (const subDefinition of attribute.subAttributes ?? []) {
        if (isPlainObject(element) && isPlainObject(next)) {
          this.assertMutable(subDefinition, element[subDefinition.name], next[subDefinition.name], `${target.text}.${subDefinition.name}`);
        }
      }
      if (next === undefined) removed.add(index);
      else elements[index] = next;
      if (isPlainObject(next) && next.primary === true) preferredPrimary = index;
    }
    const remaining = elements.filter((_, index) => !removed.has(index));
    const shift = (index: number): number => index - [...removed].filter((gone) => gone < index).length;
    enforceSinglePrimary(remaining, preferredPrimary === undefined ? undefined : shift(preferredPrimary));
    this.store(target, attribute, container, remaining);
  }

  /** A bad filter inside a PATCH path is a bad path (RFC 7644 §3.12 invalidPath), not invalidFilter. */
  private elementMatches(filter: FilterNode, attribute: ScimAttributeDefinition, element: unknown, path: string): boolean {
    try {
      return this.filterMatcher.matches(filter, attribute, element);
    } catch (error: unknown) {
      if (error instanceof ScimError && error.scimType === 'invalidFilter') throw ScimError.badRequest('invalidPath', `"${path}": ${error.message}`);
      throw error;
    }
  }

  private store(target: PatchTarget, attribute: ScimAttributeDefinition, container: ScimJsonObject, elements: unknown[]): void {
    if (elements.length === 0) {
      this.assertRemovable(target, attribute, container[attribute.name]);
      delete container[attribute.name];
    } else {
      container[attribute.name] = elements;
    }
  }

  /** RFC 7644 §3.5.2.2: unassigning a required (or immutable, already-set) attribute is a mutability error. */
  private assertRemovable(target: PatchTarget, attribute: ScimAttributeDefinition, current: unknown): void {
    if (attribute.required) throw ScimError.badRequest('mutability', `"${target.text}" is required and cannot be removed`);
    this.assertMutable(attribute, current, undefined, target.text);
  }

  /** immutable: may be set once; afterwards only the identical value is accepted (RFC 7643 §2.2). */
  private assertMutable(definition: ScimAttributeDefinition, current: unknown, next: unknown, path: string): void {
    if (definition.mutability !== 'immutable' || current === undefined) return;
    if (next === undefined || !attributeValuesEqual(definition, current, next)) {
      throw ScimError.badRequest('mutability', `"${path}" is immutable and already has a value`);
    }
  }

  /** Canonical paths of everything that differs: sub-attribute level for single-valued complex attributes. */
  private diff(resourceTypeId: ScimResourceTypeId, before: ScimJsonObject, after: ScimJsonObject): string[] {
    const changed: string[] = [];
    const compare = (definitions: readonly ScimAttributeDefinition[], oldValues: unknown, newValues: unknown, prefix: string): void => {
      const oldObject = isPlainObject(oldValues) ? oldValues : {};
      const newObject = isPlainObject(newValues) ? newValues : {};
      for (const definition of definitions) {
        const oldValue = oldObject[definition.name];
        const newValue = newObject[definition.name];
        if (jsonEqual(oldValue, newValue)) continue;
        if (definition.type === 'complex' && !definition.multiValued) {
          for (const subDefinition of definition.subAttributes ?? []) {
            const oldSub = isPlainObject(oldValue) ? oldValue[subDefinition.name] : undefined;
            const newSub = isPlainObject(newValue) ? newValue[subDefinition.name] : undefined;
            if (!jsonEqual(oldSub, newSub)) changed.push(`${prefix}${definition.name}.${subDefinition.name}`);
          }
        } else {
          changed.push(`${prefix}${definition.name}`);
        }
      }
    };
    const core = this.registry.getCoreSchema(resourceTypeId);
    compare(this.registry.getCommonAttributes(), before, after, '');
    compare(core.attributes, before, after, '');
    for (const { schema } of this.registry.getExtensionSchemas(resourceTypeId)) {
      compare(schema.attributes, before[schema.id], after[schema.id], `${schema.id}:`);
    }
    return changed;
  }
}

/** Reads a top-level key case-insensitively ("Operations" vs "operations"). */
function readKey(object: ScimJsonObject, name: string): unknown {
  if (name in object) return object[name];
  const wanted = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : object[key];
}
