import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { SCIM_SCHEMAS, ScimError, ScimFilterSqlCompiler, type AttrPath, type FilterNode } from '@idsync/identity';
import { DataSource } from 'typeorm';
import { ScimEngine } from '../../scim-engine';
import { encryptedAttributeOf, rejectEncryptedFilterPath } from '../../store/pii-encryption';
import { ScimResourceStore, type ListPage } from '../../store/scim-resource.store';
import { ListResourcesQuery } from './list-resources.query';

/**
 * List/query (RFC 7644 §3.4.2): the filter is parsed by our parser and compiled to a
 * parameterised SQL condition evaluated in PostgreSQL, never concatenated.
 */
@QueryHandler(ListResourcesQuery)
export class ListResourcesHandler implements IQueryHandler<ListResourcesQuery, ListPage> {
  constructor(
    private readonly engine: ScimEngine,
    private readonly store: ScimResourceStore,
    private readonly db: DataSource,
  ) {}

  async execute(q: ListResourcesQuery): Promise<ListPage> {
    const compiler = new ScimFilterSqlCompiler(this.engine.resolver(q.resourceType), { tableAlias: 'r', resourceType: q.resourceType });
    const ast = q.params.filter ? this.engine.filters.parse(q.params.filter) : undefined;
    if (ast && q.resourceType === 'User' && referencesGroups(ast)) {
      // A User's `groups` is derived from group memberships, not stored in the document: a filter
      // on it would silently match nothing. Say so instead.
      throw ScimError.badRequest('invalidFilter', 'Filtering Users on "groups" is not supported; query /Groups with members[value eq "<user id>"] instead');
    }
    if (q.resourceType === 'User') await this.rejectEncryptedPaths(q, ast);
    const where = ast ? compiler.compile(ast, 3) : undefined;
    let orderBy: string | undefined;
    if (q.params.sortBy) {
      orderBy = `${compiler.compileSortExpression(q.params.sortBy)} ${q.params.sortOrder === 'descending' ? 'DESC NULLS LAST' : 'ASC NULLS LAST'}`;
    }
    return this.store.list(q.tenantId, q.resourceType, where, orderBy, q.params.startIndex - 1, q.params.count);
  }

  /**
   * Encrypted attributes are not in the searchable document: a filter or sort on them would
   * silently match nothing, so a tenant with `encrypt_pii` gets invalidFilter instead. The tenant
   * is looked up only when the query names such an attribute (other queries pay nothing).
   */
  private async rejectEncryptedPaths(q: ListResourcesQuery, ast: FilterNode | undefined): Promise<void> {
    const paths = ast ? topLevelPaths(ast) : [];
    if (q.params.sortBy) paths.push(q.params.sortBy);
    const named = paths.filter((p) => encryptedAttributeOf(p) !== undefined);
    if (named.length === 0 || !(await this.store.encryptsPii(this.db, q.tenantId, { lock: false }))) return;
    rejectEncryptedFilterPath(named[0]);
  }
}

/** The attribute paths a filter names at the top level (a valuePath's inner paths are relative to it). */
function topLevelPaths(node: FilterNode): Array<AttrPath | string> {
  switch (node.kind) {
    case 'logical':
      return [...topLevelPaths(node.left), ...topLevelPaths(node.right)];
    case 'not':
      return topLevelPaths(node.operand);
    default:
      return [node.path];
  }
}

function referencesGroups(node: FilterNode): boolean {
  switch (node.kind) {
    case 'logical':
      return referencesGroups(node.left) || referencesGroups(node.right);
    case 'not':
      return referencesGroups(node.operand);
    default:
      return node.path.attribute.toLowerCase() === 'groups' && (node.path.schema === undefined || node.path.schema.toLowerCase() === SCIM_SCHEMAS.user.toLowerCase());
  }
}
