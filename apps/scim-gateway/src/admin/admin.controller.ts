import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { IssuedToken, TokenSummary } from '../tenants/scim-token.service';
import type { Tenant } from '../tenants/tenant.service';
import { AdminApiGuard, AdminScope, CurrentAdmin, HttpErrorBody, OPENAPI_ADMIN_AUTH, type AdminPrincipal, type AdminRequest } from '@idsync/platform';
import { ADMIN_ROUTE_PREFIX } from './admin-paths';
import { CreateTenantCommand } from './commands/create-tenant.command';
import { IssueScimTokenCommand } from './commands/issue-scim-token.command';
import { RevokeScimTokenCommand } from './commands/revoke-scim-token.command';
import { IssuedScimTokenResponse, ScimTokenSummaryResponse, TenantResponse } from './dto/admin-responses.dto';
import { CreateTenantDto } from './dto/create-tenant.dto';
import { IssueScimTokenDto } from './dto/issue-scim-token.dto';
import { ListScimTokensQuery } from './queries/list-scim-tokens.query';
import { ListTenantsQuery } from './queries/list-tenants.query';

/** Operator API for tenants and their SCIM tokens (the HTTP twin of the CLI); plain JSON. */
@ApiTags('admin: tenants and SCIM tokens')
@ApiBearerAuth(OPENAPI_ADMIN_AUTH)
@ApiResponse({ status: 401, description: 'Missing, wrong, expired or revoked admin token', type: HttpErrorBody })
@ApiResponse({ status: 403, description: "The token's roles do not hold the route's scope (docs/SECURITY.md)", type: HttpErrorBody })
@ApiResponse({ status: 404, description: "Not found (a tenant-admin: another tenant's)", type: HttpErrorBody })
@Controller(ADMIN_ROUTE_PREFIX)
@UseGuards(AdminApiGuard)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
export class AdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Post('tenants')
  @AdminScope('tenants:write')
  @ApiOperation({ summary: 'Create a tenant (one identity-provider connection)' })
  @ApiResponse({ status: 201, type: TenantResponse })
  @ApiResponse({ status: 400, description: 'Invalid name', type: HttpErrorBody })
  @ApiResponse({ status: 409, description: 'A tenant of that name exists (names are case-insensitive)', type: HttpErrorBody })
  createTenant(@Body() dto: CreateTenantDto, @CurrentAdmin() admin: AdminPrincipal): Promise<Tenant> {
    return this.commands.execute<CreateTenantCommand, Tenant>(new CreateTenantCommand(dto.name, admin.actorId));
  }

  @Get('tenants')
  @AdminScope('tenants:read')
  @ApiOperation({ summary: 'List tenants' })
  @ApiResponse({ status: 200, type: [TenantResponse] })
  listTenants(): Promise<Tenant[]> {
    return this.queries.execute<ListTenantsQuery, Tenant[]>(new ListTenantsQuery());
  }

  @Post('tenants/:tenant/tokens')
  @AdminScope('scim-tokens:write')
  @ApiOperation({ summary: 'Issue a SCIM bearer token for a tenant', description: '`tenant` is the tenant id or name. The token is in this response only.' })
  @ApiResponse({ status: 201, type: IssuedScimTokenResponse })
  async issueToken(@Param('tenant') tenant: string, @Body() dto: IssueScimTokenDto, @CurrentAdmin() admin: AdminPrincipal): Promise<{ id: string; tenantId: string; token: string }> {
    const issued = await this.commands.execute<IssueScimTokenCommand, IssuedToken>(new IssueScimTokenCommand(tenant, dto.description, admin.actorId));
    return { id: issued.id, tenantId: issued.tenantId, token: issued.token };
  }

  @Get('tenants/:tenant/tokens')
  @AdminScope('scim-tokens:read')
  @ApiOperation({ summary: "List a tenant's SCIM tokens (never the token values)", description: '`tenant` is the tenant id or name.' })
  @ApiResponse({ status: 200, type: [ScimTokenSummaryResponse] })
  listTokens(@Param('tenant') tenant: string): Promise<TokenSummary[]> {
    return this.queries.execute<ListScimTokensQuery, TokenSummary[]>(new ListScimTokensQuery(tenant));
  }

  @Delete('tokens/:id')
  @AdminScope('scim-tokens:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a SCIM token', description: 'A tenant-admin names its tenant: `?tenant=<id or name>`; tokens of other tenants answer 404.' })
  @ApiNoContentResponse({ description: 'Revoked (replicas stop accepting it within 5 s)' })
  @ApiResponse({ status: 400, description: 'id is not a UUID', type: HttpErrorBody })
  async revokeToken(@Param('id', new ParseUUIDPipe()) id: string, @CurrentAdmin() admin: AdminPrincipal, @Req() req: AdminRequest): Promise<void> {
    await this.commands.execute(new RevokeScimTokenCommand(id, admin.actorId, req.adminTenantLimit ?? null));
  }
}
