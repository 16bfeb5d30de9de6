import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ScimFilterSqlCompiler } from '@idsync/identity';
import { ScimEngine } from '../../scim-engine';
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
  ) {}

  async execute(q: ListResourcesQuery): Promise<ListPage> {
    const compiler = new ScimFilterSqlCompiler(this.engine.resolver(q.resourceType), { tableAlias: 'r', resourceType: q.resourceType });
    const where = q.params.filter ? compiler.compile(this.engine.filters.parse(q.params.filter), 3) : undefined;
    let orderBy: string | undefined;
    if (q.params.sortBy) {
      orderBy = `${compiler.compileSortExpression(q.params.sortBy)} ${q.params.sortOrder === 'descending' ? 'DESC NULLS LAST' : 'ASC NULLS LAST'}`;
    }
    return this.store.list(q.tenantId, q.resourceType, where, orderBy, q.params.startIndex - 1, q.params.count);
  }
}
