import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { IssuedToken, TokenSummary } from '../tenants/scim-token.service';
import type { Tenant } from '../tenants/tenant.service';
import { AdminApiGuard } from '@idsync/platform';
import { ADMIN_ROUTE_PREFIX } from './admin-paths';
import { CreateTenantCommand } from './commands/create-tenant.command';
import { IssueScimTokenCommand } from './commands/issue-scim-token.command';
import { RevokeScimTokenCommand } from './commands/revoke-scim-token.command';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { IssueScimTokenDto } from './dto/issue-scim-token.dto';
import { ListScimTokensQuery } from './queries/list-scim-tokens.query';
import { ListTenantsQuery } from './queries/list-tenants.query';

/** Operator API for tenants and their SCIM tokens (the HTTP twin of the CLI); plain JSON. */
@Controller(ADMIN_ROUTE_PREFIX)
@UseGuards(AdminApiGuard)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
export class AdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('tenants')
  createTenant(@Body() dto: CreateTenantDto): Promise<Tenant> {
    return this.commands.execute<CreateTenantCommand, Tenant>(new CreateTenantCommand(dto.name));
  }

  @Get('tenants')
  listTenants(): Promise<Tenant[]> {
    return this.queries.execute<ListTenantsQuery, Tenant[]>(new ListTenantsQuery());
  }

  @Post('tenants/:tenant/tokens')
  async issueToken(@Param('tenant') tenant: string, @Body() dto: IssueScimTokenDto): Promise<{ id: string; tenantId: string; token: string }> {
    const issued = await this.commands.execute<IssueScimTokenCommand, IssuedToken>(new IssueScimTokenCommand(tenant, dto.description));
    return { id: issued.id, tenantId: issued.tenantId, token: issued.token };
  }

  @Get('tenants/:tenant/tokens')
  listTokens(@Param('tenant') tenant: string): Promise<TokenSummary[]> {
    return this.queries.execute<ListScimTokensQuery, TokenSummary[]>(new ListScimTokensQuery(tenant));
  }

  @Delete('tokens/:id')
  @HttpCode(204)
  async revokeToken(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    await this.commands.execute(new RevokeScimTokenCommand(id));
  }
}
