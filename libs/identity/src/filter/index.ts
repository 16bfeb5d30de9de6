// SCIM filter engine: parser, schema-aware in-memory evaluator, PostgreSQL compiler (RFC 7644 §3.4.2.2, §3.5.2).
export {
  COMPARISON_OPERATORS,
  formatAttrPath,
  formatFilter,
  type AttrPath,
  type ComparisonNode,
  type ComparisonOperator,
  type ComparisonValue,
  type FilterNode,
  type LogicalNode,
  type LogicalOperator,
  type NotNode,
  type PatchPath,
  type PresenceNode,
  type ValuePathNode,
} from './ast';
export { SCIM_COMMON_ATTRIBUTES, SchemaAttributeResolver, type ResolvedAttribute, type ScimAttributeResolver } from './attribute-resolver';
export { DEFAULT_MAX_FILTER_CLAUSES, DEFAULT_MAX_FILTER_DEPTH, DEFAULT_MAX_FILTER_LENGTH, ScimFilterParser, type ScimFilterParserOptions } from './scim-filter-parser';
export { ScimElementFilterEvaluator, ScimFilterEvaluator, type ResourcePredicate } from './filter-evaluator';
export { ScimFilterSqlCompiler, type ScimFilterSqlCompilerOptions, type SqlFragment } from './filter-sql-compiler';
export { normalizeForSearch } from './search-normalizer';
