import type { ScimAttributeDefinition } from '../schema/types';
import type { AttrPath, FilterNode } from './ast';
import type { ScimAttributeResolver } from './attribute-resolver';
import { bindElementFilter, bindFilter, bindValueFilter, type BoundComparison, type BoundFilter, type BoundTarget } from './filter-binder';
import { compareCodePoints, getMemberIgnoringCase, isJsonObject, isPresentValue, parseScimDateTime } from './scim-values';

export type ResourcePredicate = (resource: unknown) => boolean;

/**
 * Evaluates filters against in-memory SCIM resources (plain JSON: core attributes at top level, extension
 * attributes under their URN key). Semantics, shared with ScimFilterSqlCompiler:
 * - strings compare lowercased unless the attribute is caseExact; ordering is by code point;
 * - dateTime compares instants; numbers numerically; booleans allow only eq/ne;
 * - a multi-valued attribute matches when ANY value matches; `ne` is `not eq`, so it is true when the attribute
 *   is absent and false when any value equals the literal;
 * - `pr` is false for missing, null, "", [] and {}.
 * Invalid filters (unknown attributes, type mismatches) throw ScimError 400 invalidFilter before any resource
 * is looked at.
 */
export class ScimFilterEvaluator {
  constructor(private readonly resolver: ScimAttributeResolver) {}

  /** Validates once and returns a predicate to run over many resources. */
  compile(filter: FilterNode): ResourcePredicate {
    const bound = bindFilter(filter, this.resolver);
    return (resource) => evaluate(bound, resource, false);
  }

  matches(resource: unknown, filter: FilterNode): boolean {
    return this.compile(filter)(resource);
  }

  filter<T>(resources: readonly T[], filter: FilterNode): T[] {
    const predicate = this.compile(filter);
    return resources.filter((resource) => predicate(resource));
  }

  /**
   * For PATCH `members[value eq "2819c223"]`: returns a predicate over ONE element of the (multi-valued) complex
   * attribute `attribute`, evaluating `valueFilter` with that attribute's sub-attribute definitions.
   * `attribute.subAttribute` is ignored, so a PatchPath's attrPath (`emails[…].value`) can be passed as is.
   */
  compileValueFilter(attribute: AttrPath, valueFilter: FilterNode): ResourcePredicate {
    const { subAttribute: _targetInsideElement, ...topLevel } = attribute;
    const { filter } = bindValueFilter(topLevel, valueFilter, this.resolver);
    return (element) => evaluate(filter, element, true);
  }

  matchesElement(attribute: AttrPath, element: unknown, valueFilter: FilterNode): boolean {
    return this.compileValueFilter(attribute, valueFilter)(element);
  }
}

/**
 * PATCH element selection by attribute definition: `matches(filter, attribute, element)` is true when one element
 * of `attribute` satisfies the inner filter of `attribute[filter]`. Same semantics as ScimFilterEvaluator;
 * structurally implements the PATCH engine's ScimValueFilterMatcher. Simple multi-valued attributes are
 * matched through `value` (`emails[value eq "x"]` style on e.g. a list of strings).
 * Bound filters are cached per (filter, attribute) because the PATCH engine tests every element with the same pair.
 */
export class ScimElementFilterEvaluator {
  private readonly cache = new WeakMap<FilterNode, WeakMap<ScimAttributeDefinition, BoundFilter>>();

  matches(filter: FilterNode, attribute: ScimAttributeDefinition, element: unknown): boolean {
    let byAttribute = this.cache.get(filter);
    if (!byAttribute) this.cache.set(filter, (byAttribute = new WeakMap()));
    let bound = byAttribute.get(attribute);
    if (!bound) byAttribute.set(attribute, (bound = bindElementFilter(attribute, filter)));
    return evaluate(bound, attribute.type === 'complex' ? element : { value: element }, true);
  }
}

/** `scope` is the resource, or one element of a complex attribute when `inElement` (inside `[ ]`). */
function evaluate(node: BoundFilter, scope: unknown, inElement: boolean): boolean {
  switch (node.kind) {
    case 'logical':
      return node.operator === 'and'
        ? evaluate(node.left, scope, inElement) && evaluate(node.right, scope, inElement)
        : evaluate(node.left, scope, inElement) || evaluate(node.right, scope, inElement);
    case 'not':
      return !evaluate(node.operand, scope, inElement);
    case 'presence':
      return collectValues(node.target, scope, inElement).some(isPresentValue);
    case 'valuePath':
      return collectValues(node.target, scope, false).some(
        (element) => isJsonObject(element) && evaluate(node.filter, element, true),
      );
    case 'comparison': {
      const values = collectValues(node.target, scope, inElement);
      if (node.operator === 'ne') return !values.some((value) => compare(node, value, 'eq'));
      return values.some((value) => compare(node, value, node.operator));
    }
  }
}

/** The target's values, flattened: elements of multi-valued attributes, sub-attribute values of each element. */
function collectValues(target: BoundTarget, scope: unknown, inElement: boolean): unknown[] {
  const { resolved } = target;
  let values: unknown[];
  if (inElement) {
    values = [getMemberIgnoringCase(scope, resolved.subAttribute?.name ?? resolved.attribute.name)];
  } else {
    const container = resolved.extension ? getMemberIgnoringCase(scope, resolved.schema) : scope;
    const top = flatten([getMemberIgnoringCase(container, resolved.attribute.name)]);
    values = resolved.subAttribute ? top.map((element) => getMemberIgnoringCase(element, resolved.subAttribute!.name)) : top;
  }
  return flatten(values).filter((value) => value !== undefined && value !== null);
}

function flatten(values: unknown[]): unknown[] {
  return values.flatMap((value) => (Array.isArray(value) ? (value as unknown[]) : [value]));
}

/** One value against one comparison (no ANY/ne expansion); also used by the SQL compiler for constant attributes. */
export function matchesBoundComparison(node: BoundComparison, value: unknown): boolean {
  return compare(node, value, node.operator);
}

function compare(node: BoundComparison, value: unknown, operator: BoundComparison['operator']): boolean {
  const { literal, target } = node;
  let order: number;
  switch (literal.type) {
    case 'boolean':
      return operator === 'eq' && value === literal.value;
    case 'number':
      if (typeof value !== 'number') return false;
      order = value === literal.value ? 0 : value < literal.value ? -1 : 1;
      break;
    case 'dateTime': {
      const parsed = typeof value === 'string' ? parseScimDateTime(value) : undefined;
      if (!parsed) return false;
      order = Math.sign(parsed.epochMs - literal.epochMs);
      break;
    }
    case 'string': {
      if (typeof value !== 'string') return false;
      const folded = target.caseInsensitive ? value.toLowerCase() : value;
      if (operator === 'co') return folded.includes(literal.folded);
      if (operator === 'sw') return folded.startsWith(literal.folded);
      if (operator === 'ew') return folded.endsWith(literal.folded);
      order = compareCodePoints(folded, literal.folded);
      break;
    }
  }
  switch (operator) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    default:
      return false; // co/sw/ew on non-strings are rejected by the binder
  }
}
