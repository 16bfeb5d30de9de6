import { ScimError } from '../errors/scim-error';
import type { ScimAttributeDefinition } from '../schema/types';
import { formatAttrPath, type AttrPath, type ComparisonOperator, type FilterNode, type LogicalOperator } from './ast';
import type { ResolvedAttribute, ScimAttributeResolver } from './attribute-resolver';
import { parseScimDateTime } from './scim-values';

/**
 * Binding = resolving every path against the schemas and type-checking every comparison, once, before any
 * evaluation. The in-memory evaluator and the SQL compiler both consume the bound tree, so they accept and
 * reject exactly the same filters and agree on case folding and literal types.
 */

export type BoundLiteral =
  /** `folded` is the value as compared: lowercased when the attribute is case-insensitive. */
  | { type: 'string'; value: string; folded: string }
  | { type: 'number'; value: number }
  | { type: 'boolean'; value: boolean }
  /** `value` is the normalised ISO text (offset always present); `epochMs` the instant. */
  | { type: 'dateTime'; value: string; epochMs: number };

export interface BoundTarget {
  /** Top-level attribute plus the sub-attribute compared (explicit, or the implied `value` of a complex attribute). */
  resolved: ResolvedAttribute;
  /** Definition of the values actually compared: the sub-attribute if any, else the attribute. */
  leaf: ScimAttributeDefinition;
  /** Strings compare lowercased (RFC 7643 caseExact=false on a string/reference attribute). */
  caseInsensitive: boolean;
  /** The path as the client wrote it, for messages. */
  text: string;
}

export interface BoundComparison {
  kind: 'comparison';
  target: BoundTarget;
  operator: ComparisonOperator;
  literal: BoundLiteral;
}

export interface BoundPresence {
  kind: 'presence';
  target: BoundTarget;
}

export interface BoundLogical {
  kind: 'logical';
  operator: LogicalOperator;
  left: BoundFilter;
  right: BoundFilter;
}

export interface BoundNot {
  kind: 'not';
  operand: BoundFilter;
}

/**
 * `target` is the complex attribute whose elements are tested (no subAttribute). Inside `filter`, every target's
 * `resolved.subAttribute` is relative to one element.
 */
export interface BoundValuePath {
  kind: 'valuePath';
  target: BoundTarget;
  filter: BoundFilter;
}

export type BoundFilter = BoundComparison | BoundPresence | BoundLogical | BoundNot | BoundValuePath;

const ORDERING_OPERATORS: ReadonlySet<ComparisonOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING_OPERATORS: ReadonlySet<ComparisonOperator> = new Set(['co', 'sw', 'ew']);

export function isCaseInsensitive(definition: ScimAttributeDefinition): boolean {
  return (definition.type === 'string' || definition.type === 'reference') && !definition.caseExact;
}

function findSubAttribute(parent: ScimAttributeDefinition, name: string): ScimAttributeDefinition | undefined {
  const lowered = name.toLowerCase();
  return parent.subAttributes?.find((sub) => sub.name.toLowerCase() === lowered);
}

function invalidFilter(detail: string): ScimError {
  return ScimError.badRequest('invalidFilter', detail);
}

/** Resolves and type-checks a filter. Throws ScimError 400 invalidFilter. */
export function bindFilter(filter: FilterNode, resolver: ScimAttributeResolver): BoundFilter {
  return bindNode(filter, { resolver });
}

/** Binds the inner filter of `attribute[valueFilter]` (PATCH element selection). */
export function bindValueFilter(
  attribute: AttrPath,
  valueFilter: FilterNode,
  resolver: ScimAttributeResolver,
): { target: BoundTarget; filter: BoundFilter } {
  const target = resolveValuePathTarget(attribute, resolver);
  return { target, filter: bindNode(valueFilter, { resolver, parent: target.resolved }) };
}

/**
 * Binds the inner filter of a valuePath against one attribute definition (no resolver needed). A simple
 * multi-valued attribute is treated as complex with a single `value` sub-attribute, so `[value eq "x"]` works on it;
 * callers then evaluate elements wrapped as `{ value: element }`.
 */
export function bindElementFilter(attribute: ScimAttributeDefinition, valueFilter: FilterNode): BoundFilter {
  const parent: ScimAttributeDefinition =
    attribute.type === 'complex'
      ? attribute
      : { ...attribute, type: 'complex', subAttributes: [{ ...attribute, name: 'value', multiValued: false }] };
  const resolved: ResolvedAttribute = { schema: '', extension: false, attribute: parent };
  return bindNode(valueFilter, { resolver: { resolve: () => undefined }, parent: resolved });
}

interface BindScope {
  resolver: ScimAttributeResolver;
  /** Set inside `attr[ … ]`: paths name sub-attributes of this attribute. */
  parent?: ResolvedAttribute;
}

function bindNode(node: FilterNode, scope: BindScope): BoundFilter {
  switch (node.kind) {
    case 'logical':
      return { kind: 'logical', operator: node.operator, left: bindNode(node.left, scope), right: bindNode(node.right, scope) };
    case 'not':
      return { kind: 'not', operand: bindNode(node.operand, scope) };
    case 'presence':
      return { kind: 'presence', target: resolveTarget(node.path, scope) };
    case 'valuePath': {
      if (scope.parent) throw invalidFilter('Nested value filters are not allowed');
      const target = resolveValuePathTarget(node.path, scope.resolver);
      return { kind: 'valuePath', target, filter: bindNode(node.filter, { resolver: scope.resolver, parent: target.resolved }) };
    }
    case 'comparison': {
      const target = resolveTarget(node.path, scope);
      // `attr eq null` / `attr ne null`: absence / presence (null is how JSON spells "no value").
      if (node.value === null) {
        if (node.operator === 'eq') return { kind: 'not', operand: { kind: 'presence', target } };
        if (node.operator === 'ne') return { kind: 'presence', target };
        throw invalidFilter(`Operator "${node.operator}" cannot compare "${target.text}" with null`);
      }
      const comparable = target.leaf.type === 'complex' ? impliedValueTarget(target) : target;
      return {
        kind: 'comparison',
        target: comparable,
        operator: node.operator,
        literal: bindLiteral(comparable, node.operator, node.value),
      };
    }
  }
}

function resolveTarget(path: AttrPath, scope: BindScope): BoundTarget {
  const text = formatAttrPath(path);
  if (scope.parent) {
    const subAttribute = path.schema === undefined && path.subAttribute === undefined
      ? findSubAttribute(scope.parent.attribute, path.attribute)
      : undefined;
    if (!subAttribute) {
      throw invalidFilter(`"${text}" is not a sub-attribute of "${scope.parent.attribute.name}"`);
    }
    if (subAttribute.multiValued) {
      throw invalidFilter(`Multi-valued sub-attribute "${text}" cannot be filtered inside "[ ]"`);
    }
    return { resolved: { ...scope.parent, subAttribute }, leaf: subAttribute, caseInsensitive: isCaseInsensitive(subAttribute), text };
  }
  // Strict on purpose: RFC 7644 §3.4.2.2 lets a server treat an unknown attribute as "no match", but for a
  // schema-driven server an unknown name is nearly always a client typo, and silently matching nothing
  // (or, under "not", everything) is worse than a 400 that names the attribute.
  const resolved = scope.resolver.resolve(path);
  if (!resolved) throw invalidFilter(`Unknown attribute "${text}" in filter`);
  const leaf = resolved.subAttribute ?? resolved.attribute;
  assertFilterable(resolved.attribute, text);
  if (resolved.subAttribute) assertFilterable(resolved.subAttribute, text);
  if (resolved.subAttribute?.multiValued) {
    throw invalidFilter(`Multi-valued sub-attribute "${text}" cannot be filtered`);
  }
  return { resolved, leaf, caseInsensitive: isCaseInsensitive(leaf), text };
}

/** writeOnly / returned:never values (passwords, PINs) must not be guessable by filtering on them. */
function assertFilterable(definition: ScimAttributeDefinition, text: string): void {
  if (definition.mutability === 'writeOnly' || definition.returned === 'never') {
    throw invalidFilter(`"${text}" is never returned and cannot be filtered on`);
  }
}

function resolveValuePathTarget(path: AttrPath, resolver: ScimAttributeResolver): BoundTarget {
  const text = formatAttrPath(path);
  if (path.subAttribute !== undefined) throw invalidFilter(`"[ ]" must follow a top-level attribute, not "${text}"`);
  const resolved = resolver.resolve(path);
  if (!resolved) throw invalidFilter(`Unknown attribute "${text}" in filter`);
  if (resolved.attribute.type !== 'complex') {
    throw invalidFilter(`"[ ]" needs a complex attribute; "${text}" is ${resolved.attribute.type}`);
  }
  return { resolved, leaf: resolved.attribute, caseInsensitive: false, text };
}

/** RFC 7644 §3.4.2.2: `emails co "example.com"` compares the complex attribute's `value` sub-attribute. */
function impliedValueTarget(target: BoundTarget): BoundTarget {
  const value = findSubAttribute(target.resolved.attribute, 'value');
  if (target.resolved.subAttribute || !value) {
    throw invalidFilter(`Complex attribute "${target.text}" can only be tested with "pr" or through a sub-attribute`);
  }
  return { ...target, resolved: { ...target.resolved, subAttribute: value }, leaf: value, caseInsensitive: isCaseInsensitive(value) };
}

function bindLiteral(target: BoundTarget, operator: ComparisonOperator, value: string | number | boolean): BoundLiteral {
  const { leaf } = target;
  const mismatch = (expected: string): ScimError =>
    invalidFilter(`"${target.text}" is ${leaf.type}; ${JSON.stringify(value)} is not a ${expected}`);
  const unsupported = (): ScimError =>
    invalidFilter(`Operator "${operator}" is not supported for ${leaf.type} attribute "${target.text}"`);

  switch (leaf.type) {
    case 'string':
    case 'reference':
    case 'binary': {
      if (typeof value !== 'string') throw mismatch('string');
      if (leaf.type === 'binary' && (ORDERING_OPERATORS.has(operator) || SUBSTRING_OPERATORS.has(operator))) throw unsupported();
      return { type: 'string', value, folded: target.caseInsensitive ? value.toLowerCase() : value };
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw mismatch('boolean');
      if (operator !== 'eq' && operator !== 'ne') throw unsupported();
      return { type: 'boolean', value };
    case 'integer':
    case 'decimal':
      if (typeof value !== 'number') throw mismatch('number');
      if (SUBSTRING_OPERATORS.has(operator)) throw unsupported();
      return { type: 'number', value };
    case 'dateTime': {
      if (typeof value !== 'string') throw mismatch('dateTime string');
      if (SUBSTRING_OPERATORS.has(operator)) throw unsupported();
      const parsed = parseScimDateTime(value);
      if (!parsed) throw invalidFilter(`"${value}" is not a valid dateTime (expected e.g. 2011-05-13T04:42:34Z) for "${target.text}"`);
      return { type: 'dateTime', value: parsed.iso, epochMs: parsed.epochMs };
    }
    case 'complex':
      throw unsupported();
  }
}
