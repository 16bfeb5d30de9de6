import { ScimError } from '../errors/scim-error';
import type { ScimAttributeDefinition } from '../schema/types';
import type { AttrPath, ComparisonOperator, FilterNode } from './ast';
import type { ScimAttributeResolver } from './attribute-resolver';
import {
  bindFilter,
  isCaseInsensitive,
  type BoundComparison,
  type BoundFilter,
  type BoundLiteral,
  type BoundTarget,
} from './filter-binder';
import { matchesBoundComparison } from './filter-evaluator';
import { ScimFilterParser } from './scim-filter-parser';

/**
 * Compiles SCIM filters to parameterized PostgreSQL WHERE fragments. Storage layout assumed (alias `r`):
 *   r.id uuid NOT NULL, r.external_id text, r.user_name text, r.display_name text,
 *   r.created_at timestamptz, r.updated_at timestamptz, r.version int,
 *   r.data jsonb (SCIM attributes, extensions under their URN key, no id/meta),
 *   r.norm jsonb NOT NULL = normalizeForSearch(data) (canonical keys, non-caseExact strings lowercased),
 *   indexes: lower(user_name), lower(display_name), external_id, GIN (norm jsonb_path_ops).
 * All attribute predicates read `norm`, never `data`: its values are folded by the same String#toLowerCase as
 * the literals, so SQL and ScimFilterEvaluator agree even where PostgreSQL's lower()/ILIKE would fold
 * differently. Values are always bound as `$n` parameters; only schema-defined key names appear in the SQL text.
 * Assumes stored values conform to their schema types (the writer validates): a non-dateTime string in a dateTime
 * attribute would make the `::timestamptz` cast fail.
 */

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

export interface ScimFilterSqlCompilerOptions {
  /** Alias of the resource table in the surrounding query. Default `r`. */
  tableAlias?: string;
  /** Number of the first placeholder (`$1` by default), for queries that already bind parameters before the filter. */
  firstParameterIndex?: number;
  /** The resource type stored in the table, so `meta.resourceType eq "User"` can be answered without a column. */
  resourceType?: string;
}

/** A compiled boolean expression; `nullable` when SQL NULL is possible (missing attribute), which NOT must absorb. */
interface SqlPredicate {
  sql: string;
  nullable: boolean;
}

/** A jsonb location: `base` followed by member keys (empty keys = base itself is the value). */
interface JsonLocation {
  base: string;
  keys: string[];
}

type ColumnMapping =
  | { kind: 'text'; column: string }
  | { kind: 'uuid'; column: string }
  | { kind: 'timestamp'; column: string }
  | { kind: 'version'; column: string }
  | { kind: 'resourceType' }
  | { kind: 'unavailable'; reason: string };

const SQL_COMPARISON: Record<'eq' | 'gt' | 'ge' | 'lt' | 'le', string> = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' };
// Lowercase only: ids are caseExact, so an upper-case literal is a different id (as in the evaluator).
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WEAK_ETAG_VERSION = /^W\/"(\d{1,9})"$/;
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ELEMENT = 'e.value';

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function escapeLikePattern(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function likePattern(operator: 'co' | 'sw' | 'ew', text: string): string {
  const escaped = escapeLikePattern(text);
  return operator === 'co' ? `%${escaped}%` : operator === 'sw' ? `${escaped}%` : `%${escaped}`;
}

function jsonbAt(location: JsonLocation): string {
  return location.base + location.keys.map((key) => `->${quoteLiteral(key)}`).join('');
}

function textAt(location: JsonLocation): string {
  const { base, keys } = location;
  if (keys.length === 0) return `(${base} #>> '{}')`;
  const head = keys.slice(0, -1).map((key) => `->${quoteLiteral(key)}`).join('');
  return `(${base}${head}->>${quoteLiteral(keys[keys.length - 1]!)})`;
}

/** Rows of a jsonb array as `e(value)`; anything that is not an array yields no rows instead of an error. */
function arrayElements(arrayExpression: string, withOrdinality = false): string {
  const guarded = `CASE WHEN jsonb_typeof(${arrayExpression}) = 'array' THEN ${arrayExpression} END`;
  return withOrdinality
    ? `jsonb_array_elements(${guarded}) WITH ORDINALITY AS e(value, position)`
    : `jsonb_array_elements(${guarded}) AS e(value)`;
}

/** `{"a": {"b": leaf}}` for keys [a, b]. */
function nest(keys: readonly string[], leaf: unknown): unknown {
  return keys.reduceRight<unknown>((inner, key) => ({ [key]: inner }), leaf);
}

function literalJson(literal: BoundLiteral): unknown {
  return literal.type === 'string' ? literal.folded : literal.value;
}

function findSubAttribute(parent: ScimAttributeDefinition, name: string): ScimAttributeDefinition | undefined {
  return parent.subAttributes?.find((sub) => sub.name.toLowerCase() === name.toLowerCase());
}

/** Accumulates bound parameters for one compile() call. */
class ParameterList {
  readonly values: unknown[] = [];
  constructor(private readonly firstIndex: number) {
    if (!Number.isInteger(firstIndex) || firstIndex < 1) throw new Error('firstParameterIndex must be an integer >= 1');
  }

  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.firstIndex + this.values.length - 1}::${cast}`;
  }
}

export class ScimFilterSqlCompiler {
  private readonly alias: string;
  private readonly firstParameterIndex: number;
  private readonly resourceType: string | undefined;
  private readonly parser = new ScimFilterParser();

  constructor(
    private readonly resolver: ScimAttributeResolver,
    options: ScimFilterSqlCompilerOptions = {},
  ) {
    this.alias = options.tableAlias ?? 'r';
    if (!SQL_IDENTIFIER.test(this.alias)) throw new Error(`Invalid table alias "${this.alias}"`);
    this.firstParameterIndex = options.firstParameterIndex ?? 1;
    this.resourceType = options.resourceType;
  }

  /**
   * WHERE fragment for `filter`, placeholders numbered from `firstParameterIndex` (e.g. 3 when $1/$2 are taken).
   * Throws ScimError 400 invalidFilter for filters that do not fit the schema.
   */
  compile(filter: FilterNode, firstParameterIndex: number = this.firstParameterIndex): SqlFragment {
    const bound = bindFilter(filter, this.resolver);
    const params = new ParameterList(firstParameterIndex);
    const predicate = this.compileNode(bound, params);
    return { sql: predicate.sql, params: params.values };
  }

  /**
   * ORDER BY expression for `sortBy` (RFC 7644 §3.4.2.3): non-caseExact strings sort case-insensitively; a
   * multi-valued attribute sorts by its primary element's value, else its first element's. Missing values are
   * SQL NULL (PostgreSQL's default puts them last ascending, first descending). Throws ScimError 400 invalidValue.
   */
  compileSortExpression(sortBy: string | AttrPath): string {
    const path = typeof sortBy === 'string' ? this.parser.parseAttrPath(sortBy, 'invalidValue') : sortBy;
    const resolved = this.resolver.resolve(path);
    if (!resolved) throw ScimError.badRequest('invalidValue', `Unknown sortBy attribute "${typeof sortBy === 'string' ? sortBy : path.attribute}"`);
    // Sorting by a never-returned value would leak its order; derived (readOnly, not stored) ones have none.
    for (const def of [resolved.attribute, resolved.subAttribute]) {
      if (def && (def.mutability === 'writeOnly' || def.returned === 'never')) {
        throw ScimError.badRequest('invalidValue', `Cannot sort by "${def.name}": it is never returned`);
      }
    }
    let subAttribute = resolved.subAttribute;
    if (!subAttribute && resolved.attribute.type === 'complex') {
      subAttribute = findSubAttribute(resolved.attribute, 'value');
      if (!subAttribute) throw ScimError.badRequest('invalidValue', `Cannot sort by complex attribute "${resolved.attribute.name}"`);
    }
    const leaf = subAttribute ?? resolved.attribute;
    const target: BoundTarget = {
      resolved: { ...resolved, subAttribute },
      leaf,
      caseInsensitive: isCaseInsensitive(leaf),
      text: resolved.attribute.name,
    };

    const column = this.columnFor(target);
    if (column) {
      const a = this.alias;
      switch (column.kind) {
        case 'text':
          return target.caseInsensitive ? `lower(${a}.${column.column})` : `${a}.${column.column}`;
        case 'uuid':
        case 'timestamp':
        case 'version':
          return `${a}.${column.column}`;
        case 'resourceType':
          return 'NULL::text'; // one resource type per query: every row sorts equal (a bare NULL is rejected by ORDER BY)
        case 'unavailable':
          throw ScimError.badRequest('invalidValue', `Cannot sort by "${target.text}": ${column.reason}`);
      }
    }

    const location = this.locationOf(target);
    if (!resolved.attribute.multiValued) {
      return typedScalar(subAttribute ? { base: location.base, keys: [...location.keys, subAttribute.name] } : location, leaf);
    }
    const array = jsonbAt(location);
    if (!subAttribute) return typedScalar({ base: `(${array})->0`, keys: [] }, leaf);
    const first = typedScalar({ base: `(${array})->0`, keys: [subAttribute.name] }, leaf);
    if (!findSubAttribute(resolved.attribute, 'primary')) return first;
    const primary =
      `(SELECT ${typedScalar({ base: ELEMENT, keys: [subAttribute.name] }, leaf)} FROM ${arrayElements(array, true)} ` +
      `WHERE ${ELEMENT}->'primary' = 'true'::jsonb ORDER BY e.position LIMIT 1)`;
    return `coalesce(${primary}, ${first})`;
  }

  private compileNode(node: BoundFilter, params: ParameterList): SqlPredicate {
    switch (node.kind) {
      case 'logical': {
        const left = this.compileNode(node.left, params);
        const right = this.compileNode(node.right, params);
        return { sql: `(${left.sql} ${node.operator.toUpperCase()} ${right.sql})`, nullable: left.nullable || right.nullable };
      }
      case 'not':
        return negate(this.compileNode(node.operand, params));
      case 'presence':
        return this.compilePresence(node.target);
      case 'comparison':
        if (node.operator === 'ne') return negate(this.compileComparison({ ...node, operator: 'eq' }, params));
        return this.compileComparison(node, params);
      case 'valuePath': {
        const location = this.locationOf(node.target);
        if (node.target.resolved.attribute.multiValued) {
          const inner = this.compileElementNode(node.filter, ELEMENT, params);
          return { sql: `EXISTS (SELECT 1 FROM ${arrayElements(jsonbAt(location))} WHERE ${inner.sql})`, nullable: false };
        }
        return this.compileElementNode(node.filter, jsonbAt(location), params);
      }
    }
  }

  /** Inner filter of `attr[ … ]` against one element (a jsonb expression). */
  private compileElementNode(node: BoundFilter, element: string, params: ParameterList): SqlPredicate {
    switch (node.kind) {
      case 'logical': {
        const left = this.compileElementNode(node.left, element, params);
        const right = this.compileElementNode(node.right, element, params);
        return { sql: `(${left.sql} ${node.operator.toUpperCase()} ${right.sql})`, nullable: left.nullable || right.nullable };
      }
      case 'not':
        return negate(this.compileElementNode(node.operand, element, params));
      case 'presence':
        return presenceOf({ base: element, keys: [node.target.leaf.name] });
      case 'comparison': {
        const operator = node.operator === 'ne' ? 'eq' : node.operator;
        const location = { base: element, keys: [node.target.leaf.name] };
        const predicate =
          operator === 'eq' && node.literal.type !== 'dateTime'
            ? { sql: `coalesce(${element} @> ${params.add(JSON.stringify({ [node.target.leaf.name]: literalJson(node.literal) }), 'jsonb')}, false)`, nullable: false }
            : scalarComparison(location, operator, node.literal, params);
        return node.operator === 'ne' ? negate(predicate) : predicate;
      }
      case 'valuePath':
        throw ScimError.badRequest('invalidFilter', 'Nested value filters are not allowed');
    }
  }

  private compilePresence(target: BoundTarget): SqlPredicate {
    const column = this.columnFor(target);
    if (column) {
      const a = this.alias;
      switch (column.kind) {
        case 'text':
          return { sql: `coalesce(${a}.${column.column} <> '', false)`, nullable: false };
        case 'uuid':
          return { sql: 'true', nullable: false };
        case 'timestamp':
        case 'version':
          return { sql: `(${a}.${column.column} IS NOT NULL)`, nullable: false };
        case 'resourceType':
          return { sql: this.resourceType === undefined ? 'false' : 'true', nullable: false };
        case 'unavailable':
          throw ScimError.badRequest('invalidFilter', `"${target.text}" cannot be used in a filter: ${column.reason}`);
      }
    }
    if (target.resolved.attribute.name === 'meta' && !target.resolved.subAttribute && !target.resolved.extension) {
      return { sql: 'true', nullable: false }; // every stored resource has meta (it lives in columns)
    }
    const location = this.locationOf(target);
    const sub = target.resolved.subAttribute;
    if (!target.resolved.attribute.multiValued) {
      return presenceOf(sub ? { base: location.base, keys: [...location.keys, sub.name] } : location);
    }
    const element = presenceOf({ base: ELEMENT, keys: sub ? [sub.name] : [] });
    return { sql: `EXISTS (SELECT 1 FROM ${arrayElements(jsonbAt(location))} WHERE ${element.sql})`, nullable: false };
  }

  private compileComparison(node: BoundComparison, params: ParameterList): SqlPredicate {
    const { target, literal } = node;
    const operator = node.operator as Exclude<ComparisonOperator, 'ne'>;
    const column = this.columnFor(target);
    if (column) return this.compileColumnComparison(column, node, operator, params);

    const location = this.locationOf(target);
    const sub = target.resolved.subAttribute;
    const multiValued = target.resolved.attribute.multiValued;
    // eq on string/number/boolean → jsonb containment, which the GIN (jsonb_path_ops) index on norm answers.
    // dateTime is excluded: equal instants can be spelled differently.
    if (operator === 'eq' && literal.type !== 'dateTime') {
      const leafValue = literalJson(literal);
      const member = sub ? { [sub.name]: leafValue } : leafValue;
      const document = nest(location.keys, multiValued ? [member] : member);
      return { sql: `${location.base} @> ${params.add(JSON.stringify(document), 'jsonb')}`, nullable: false };
    }
    if (!multiValued) {
      return scalarComparison(sub ? { base: location.base, keys: [...location.keys, sub.name] } : location, operator, literal, params);
    }
    const element = scalarComparison({ base: ELEMENT, keys: sub ? [sub.name] : [] }, operator, literal, params);
    return { sql: `EXISTS (SELECT 1 FROM ${arrayElements(jsonbAt(location))} WHERE ${element.sql})`, nullable: false };
  }

  private compileColumnComparison(
    column: ColumnMapping,
    node: BoundComparison,
    operator: Exclude<ComparisonOperator, 'ne'>,
    params: ParameterList,
  ): SqlPredicate {
    const { literal, target } = node;
    const a = this.alias;
    switch (column.kind) {
      case 'unavailable':
        throw ScimError.badRequest('invalidFilter', `"${target.text}" cannot be used in a filter: ${column.reason}`);
      case 'resourceType':
        if (this.resourceType === undefined) {
          throw ScimError.badRequest('invalidFilter', `"${target.text}" cannot be used in a filter on this endpoint`);
        }
        return { sql: matchesBoundComparison({ ...node, operator }, this.resourceType) ? 'true' : 'false', nullable: false };
      case 'timestamp':
        if (literal.type !== 'dateTime') break;
        return { sql: `${a}.${column.column} ${SQL_COMPARISON[operator as keyof typeof SQL_COMPARISON]} ${params.add(literal.value, 'timestamptz')}`, nullable: true };
      case 'uuid': {
        if (literal.type !== 'string') break;
        if (operator === 'eq') {
          // A non-UUID literal can never equal an id; answer `false` instead of letting ::uuid raise an error.
          return CANONICAL_UUID.test(literal.value)
            ? { sql: `${a}.${column.column} = ${params.add(literal.value, 'uuid')}`, nullable: false }
            : { sql: 'false', nullable: false };
        }
        return textColumnComparison(`${a}.${column.column}::text`, false, operator, literal.value, params);
      }
      case 'version': {
        if (literal.type !== 'string') break;
        const match = operator === 'eq' ? WEAK_ETAG_VERSION.exec(literal.value) : null;
        if (operator === 'eq') {
          return match
            ? { sql: `${a}.${column.column} = ${params.add(Number(match[1]), 'int')}`, nullable: true }
            : { sql: 'false', nullable: false };
        }
        // meta.version is rendered as the weak ETag W/"<version>"; other operators compare that text.
        return textColumnComparison(`('W/"' || ${a}.${column.column}::text || '"')`, false, operator, literal.value, params);
      }
      case 'text':
        if (literal.type !== 'string') break;
        return textColumnComparison(`${a}.${column.column}`, target.caseInsensitive, operator, literal.value, params);
    }
    throw ScimError.badRequest('invalidFilter', `Unsupported comparison on "${target.text}"`);
  }

  /** Attributes that live in dedicated columns (indexed), or that have no stored representation at all. */
  private columnFor(target: BoundTarget): ColumnMapping | undefined {
    const { resolved } = target;
    if (resolved.extension) return undefined;
    const name = resolved.attribute.name;
    const sub = resolved.subAttribute?.name;
    if (sub === undefined) {
      switch (name) {
        case 'id':
          return { kind: 'uuid', column: 'id' };
        case 'externalId':
          return { kind: 'text', column: 'external_id' };
        case 'userName':
          return { kind: 'text', column: 'user_name' };
        case 'displayName':
          return { kind: 'text', column: 'display_name' };
      }
      return undefined;
    }
    if (name !== 'meta') return undefined;
    switch (sub) {
      case 'created':
        return { kind: 'timestamp', column: 'created_at' };
      case 'lastModified':
        return { kind: 'timestamp', column: 'updated_at' };
      case 'version':
        return { kind: 'version', column: 'version' };
      case 'resourceType':
        return { kind: 'resourceType' };
      default:
        return { kind: 'unavailable', reason: 'it is not stored' };
    }
  }

  private locationOf(target: BoundTarget): JsonLocation {
    const { resolved } = target;
    const keys = resolved.extension ? [resolved.schema, resolved.attribute.name] : [resolved.attribute.name];
    return { base: `${this.alias}.norm`, keys };
  }
}

function negate(predicate: SqlPredicate): SqlPredicate {
  // Missing attributes make comparisons NULL, and NOT NULL is NULL (row dropped); coalesce makes
  // `not (title eq "x")` true for a resource without a title, as in the evaluator.
  const operand = predicate.nullable ? `coalesce(${predicate.sql}, false)` : `(${predicate.sql})`;
  return { sql: `NOT ${operand}`, nullable: false };
}

function presenceOf(location: JsonLocation): SqlPredicate {
  // Same rule as isPresentValue: null, "", [] and {} are absent.
  return {
    sql: `coalesce(${jsonbAt(location)} NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`,
    nullable: false,
  };
}

function textColumnComparison(
  column: string,
  caseInsensitive: boolean,
  operator: Exclude<ComparisonOperator, 'ne'>,
  value: string,
  params: ParameterList,
): SqlPredicate {
  if (operator === 'co' || operator === 'sw' || operator === 'ew') {
    return { sql: `${column} ${caseInsensitive ? 'ILIKE' : 'LIKE'} ${params.add(likePattern(operator, value), 'text')}`, nullable: true };
  }
  const parameter = params.add(value, 'text');
  // lower() on both sides (not a JS-lowercased parameter) so the value folds exactly like the lower(user_name) index.
  const left = caseInsensitive ? `lower(${column})` : column;
  const right = caseInsensitive ? `lower(${parameter})` : parameter;
  // "C" collation = code-point order, the order the evaluator uses; equality needs no collation (and keeps the index usable).
  return operator === 'eq'
    ? { sql: `${left} = ${right}`, nullable: true }
    : { sql: `${left} COLLATE "C" ${SQL_COMPARISON[operator]} ${right}`, nullable: true };
}

/** Comparison of one jsonb scalar in `norm` (already case-folded) against a literal. */
function scalarComparison(
  location: JsonLocation,
  operator: Exclude<ComparisonOperator, 'ne'>,
  literal: BoundLiteral,
  params: ParameterList,
): SqlPredicate {
  switch (literal.type) {
    case 'string': {
      const text = textAt(location);
      if (operator === 'co' || operator === 'sw' || operator === 'ew') {
        // LIKE, not ILIKE: norm and the literal are both already folded by String#toLowerCase.
        return { sql: `${text} LIKE ${params.add(likePattern(operator, literal.folded), 'text')}`, nullable: true };
      }
      const parameter = params.add(literal.folded, 'text');
      return operator === 'eq'
        ? { sql: `${text} = ${parameter}`, nullable: true }
        : { sql: `${text} COLLATE "C" ${SQL_COMPARISON[operator]} ${parameter}`, nullable: true };
    }
    case 'number': {
      if (operator === 'co' || operator === 'sw' || operator === 'ew') break;
      const value = jsonbAt(location);
      return {
        sql: `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END) ${SQL_COMPARISON[operator]} ${params.add(literal.value, 'numeric')}`,
        nullable: true,
      };
    }
    case 'boolean':
      if (operator !== 'eq') break;
      return { sql: `${jsonbAt(location)} = ${params.add(JSON.stringify(literal.value), 'jsonb')}`, nullable: true };
    case 'dateTime':
      if (operator === 'co' || operator === 'sw' || operator === 'ew') break;
      return {
        sql: `(${textAt(location)})::timestamptz ${SQL_COMPARISON[operator]} ${params.add(literal.value, 'timestamptz')}`,
        nullable: true,
      };
  }
  throw ScimError.badRequest('invalidFilter', `Operator "${operator}" is not supported for ${literal.type} values`);
}

/** A jsonb scalar as a sortable SQL value of the attribute's type. */
function typedScalar(location: JsonLocation, definition: ScimAttributeDefinition): string {
  const value = jsonbAt(location);
  switch (definition.type) {
    case 'integer':
    case 'decimal':
      return `(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric END)`;
    case 'boolean':
      return `(CASE WHEN jsonb_typeof(${value}) = 'boolean' THEN (${value})::boolean END)`;
    case 'dateTime':
      return `(${textAt(location)})::timestamptz`;
    default:
      return textAt(location);
  }
}
