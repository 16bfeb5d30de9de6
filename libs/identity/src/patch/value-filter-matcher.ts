/**
 * Evaluates a PATCH valuePath filter (`emails[type eq "work"]`) against ONE element of a
 * multi-valued attribute. It consumes the filter engine's AST (filter/ast.ts) but is kept behind
 * an interface so the filter team's evaluator can replace it without touching the PATCH engine.
 */
import { findAttributeDefinition, isPlainObject } from '../schema/scim-schema-registry';
import type { ScimAttributeDefinition } from '../schema/types';
import type { ComparisonNode, ComparisonValue, FilterNode } from '../filter/ast';

export interface ScimValueFilterMatcher {
  /** True when `element` (one value of `attribute`) satisfies `filter`, whose paths are relative to the element. */
  matches(filter: FilterNode, attribute: ScimAttributeDefinition, element: unknown): boolean;
}

/** Reads a sub-attribute of an element case-insensitively; a simple element is its own "value". */
function readSubValue(attribute: ScimAttributeDefinition, element: unknown, name: string): unknown {
  if (!isPlainObject(element)) return name.toLowerCase() === 'value' ? element : undefined;
  const wanted = name.toLowerCase();
  const key = Object.keys(element).find((candidate) => candidate.toLowerCase() === wanted);
  return key === undefined ? undefined : element[key];
}

function compareValues(definition: ScimAttributeDefinition | undefined, actual: unknown, node: ComparisonNode): boolean {
  const expected: ComparisonValue = node.value;
  if (expected === null) {
    const absent = actual === undefined || actual === null;
    return node.operator === 'eq' ? absent : node.operator === 'ne' ? !absent : false;
  }
  if (actual === undefined || actual === null) return node.operator === 'ne';
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    const equal = actual === expected;
    return node.operator === 'eq' ? equal : node.operator === 'ne' ? !equal : false;
  }
  if (definition?.type === 'dateTime' && typeof actual === 'string' && typeof expected === 'string') {
    return ordered(Date.parse(actual), Date.parse(expected), node);
  }
  if (typeof actual === 'number' && typeof expected === 'number') return ordered(actual, expected, node);
  if (typeof actual !== 'string' || typeof expected !== 'string') return node.operator === 'ne';
  const fold = !(definition?.caseExact ?? false);
  const left = fold ? actual.toLowerCase() : actual;
  const right = fold ? expected.toLowerCase() : expected;
  switch (node.operator) {
    case 'co':
      return left.includes(right);
    case 'sw':
      return left.startsWith(right);
    case 'ew':
      return left.endsWith(right);
    default:
      return ordered(left, right, node);
  }
}

function ordered<T extends number | string>(left: T, right: T, node: ComparisonNode): boolean {
  switch (node.operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'gt':
      return left > right;
    case 'ge':
      return left >= right;
    case 'lt':
      return left < right;
    case 'le':
      return left <= right;
    default:
      return false;
  }
}

/** Built-in matcher over the shared AST; honours caseExact and dateTime of the sub-attribute compared. */
export class ElementFilterMatcher implements ScimValueFilterMatcher {
  matches(filter: FilterNode, attribute: ScimAttributeDefinition, element: unknown): boolean {
    switch (filter.kind) {
      case 'logical':
        return filter.operator === 'and'
          ? this.matches(filter.left, attribute, element) && this.matches(filter.right, attribute, element)
          : this.matches(filter.left, attribute, element) || this.matches(filter.right, attribute, element);
      case 'not':
        return !this.matches(filter.operand, attribute, element);
      case 'presence': {
        const value = readSubValue(attribute, element, filter.path.attribute);
        return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
      }
      case 'comparison': {
        const definition = attribute.type === 'complex' ? findAttributeDefinition(attribute.subAttributes, filter.path.attribute) : attribute;
        return compareValues(definition, readSubValue(attribute, element, filter.path.attribute), filter);
      }
      case 'valuePath':
        return false; // RFC 7644 errata 4690: no nested value paths; the parser already rejects them.
    }
  }
}

/**
 * The sub-attribute values a filter pins down with `eq` (joined by `and` only), e.g.
 * `type eq "work"` → { type: "work" }. Used to create the element an `add` targets when no
 * element matches yet. Undefined when the filter does not determine an element this way.
 */
export function equalityAssignments(filter: FilterNode, attribute: ScimAttributeDefinition): Record<string, unknown> | undefined {
  if (filter.kind === 'logical' && filter.operator === 'and') {
    const left = equalityAssignments(filter.left, attribute);
    const right = equalityAssignments(filter.right, attribute);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind === 'comparison' && filter.operator === 'eq' && filter.value !== null && filter.path.subAttribute === undefined) {
    const definition = findAttributeDefinition(attribute.subAttributes, filter.path.attribute);
    return definition ? { [definition.name]: filter.value } : undefined;
  }
  return undefined;
}
