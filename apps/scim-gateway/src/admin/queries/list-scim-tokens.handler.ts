import { NotFoundException } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ScimTokenService, type TokenSummary } from '../../tenants/scim-token.service';
import { TenantService } from '../../tenants/tenant.service';
import { ListScimTokensQuery } from './list-scim-tokens.query';

/** A tenant's tokens: metadata only, the values are not stored. */
@QueryHandler(ListScimTokensQuery)
export class ListScimTokensHandler implements IQueryHandler<ListScimTokensQuery, TokenSummary[]> {
  constructor(
    private readonly tenants: TenantService,
    private readonly tokens: ScimTokenService,
  ) {}

  async execute(query: ListScimTokensQuery): Promise<TokenSummary[]> {
    const tenant = await this.tenants.findByNameOrId(query.tenant);
    if (!tenant) throw new NotFoundException(`No tenant "${query.tenant}"`);
    return this.tokens.list(tenant.id);
  }
}
