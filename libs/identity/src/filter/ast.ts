/**
 * AST of RFC 7644 §3.4.2.2 filters and §3.5.2 PATCH paths, as produced by ScimFilterParser.
 * Attribute names keep the client's spelling; every consumer compares them lowercased
 * (SCIM attribute names are case-insensitive).
 */

export type ComparisonOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type LogicalOperator = 'and' | 'or';

/** JSON literal on the right-hand side of a comparison (RFC 7644 compValue). */
export type ComparisonValue = string | number | boolean | null;

export const COMPARISON_OPERATORS: readonly ComparisonOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];

/**
 * `[URI ":"] ATTRNAME ["." subAttr]`, e.g. `name.familyName` or
 * `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`
 * (schema = everything before the last colon).
 * Inside a valuePath filter (`emails[type eq "work"]`) paths are relative to the element,
 * so `attribute` names a sub-attribute of the enclosing attribute.
 */
export interface AttrPath {
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

export interface ComparisonNode {
  kind: 'comparison';
  path: AttrPath;
  operator: ComparisonOperator;
  value: ComparisonValue;
}

export interface PresenceNode {
  kind: 'presence';
  path: AttrPath;
}

export interface LogicalNode {
  kind: 'logical';
  operator: LogicalOperator;
  left: FilterNode;
  right: FilterNode;
}

export interface NotNode {
  kind: 'not';
  operand: FilterNode;
}

/**
 * `emails[type eq "work" and value co "@x"]`: true when one element of `path` satisfies `filter`.
 * `path` never has a subAttribute; `filter` never contains another valuePath (RFC 7644 errata 4690).
 */
export interface ValuePathNode {
  kind: 'valuePath';
  path: AttrPath;
  filter: FilterNode;
}

export type FilterNode = ComparisonNode | PresenceNode | LogicalNode | NotNode | ValuePathNode;

/**
 * RFC 7644 §3.5.2 PATCH `path`: `PATH = attrPath / valuePath [subAttr]`.
 * - `name.familyName`            → { attrPath: {attribute: 'name', subAttribute: 'familyName'} }
 * - `members[value eq "2819c"]`  → { attrPath: {attribute: 'members'}, valueFilter }
 * - `emails[type eq "work"].value` → { attrPath: {attribute: 'emails', subAttribute: 'value'}, valueFilter }
 * When valueFilter is set it selects elements of `attrPath.attribute`, and `attrPath.subAttribute`
 * (if any) is the sub-attribute targeted inside each selected element.
 */
export interface PatchPath {
  attrPath: AttrPath;
  valueFilter?: FilterNode;
}

/** Renders a path back to SCIM syntax (error messages, logs). */
export function formatAttrPath(path: AttrPath): string {
  const name = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
  return path.schema === undefined ? name : `${path.schema}:${name}`;
}

/** Renders a filter back to SCIM syntax, fully parenthesised so precedence is explicit. */
export function formatFilter(node: FilterNode): string {
  switch (node.kind) {
    case 'comparison':
      return `${formatAttrPath(node.path)} ${node.operator} ${JSON.stringify(node.value)}`;
    case 'presence':
      return `${formatAttrPath(node.path)} pr`;
    case 'logical':
      return `(${formatFilter(node.left)} ${node.operator} ${formatFilter(node.right)})`;
    case 'not':
      return `not (${formatFilter(node.operand)})`;
    case 'valuePath':
      return `${formatAttrPath(node.path)}[${formatFilter(node.filter)}]`;
  }
}
