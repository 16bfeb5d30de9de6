import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Put, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiGuard, AdminScope, CurrentAdmin, HttpErrorBody, OPENAPI_ADMIN_AUTH, type AdminPrincipal } from '@idsync/platform';
import { ADMIN_ROUTE_PREFIX } from '../admin/admin-paths';
import { RemoveOktaConfigCommand } from './commands/remove-okta-config/remove-okta-config.command';
import { SetOktaApiConfigCommand } from './commands/set-okta-api-config/set-okta-api-config.command';
import { SetOktaHookConfigCommand } from './commands/set-okta-hook-config/set-okta-hook-config.command';
import type { SetOktaHookConfigResult } from './commands/set-okta-hook-config/set-okta-hook-config.handler';
import { SetOktaApiDto } from './dto/set-okta-api.dto';
import { SetOktaHookDto } from './dto/set-okta-hook.dto';
import type { OktaApiConfigInput, OktaApiConfigSummary } from './okta-config.store';
import { GetOktaConfigQuery } from './queries/get-okta-config/get-okta-config.query';
import type { OktaConfigView } from './queries/get-okta-config/get-okta-config.handler';

/** Which API credential a request gives; exactly one kind. */
function apiInputOf(dto: SetOktaApiDto): OktaApiConfigInput {
  const given = [dto.sswsToken, dto.clientSecret, dto.privateKey].filter((v) => v !== undefined).length;
  if (given !== 1) throw new BadRequestException('give exactly one of sswsToken, clientSecret (with clientId) or privateKey (with clientId)');
  const common = { orgUrl: dto.orgUrl, scopes: dto.scopes, rateLimitShare: dto.rateLimitShare, keyId: dto.keyId };
  if (dto.sswsToken !== undefined) {
    if (dto.clientId !== undefined) throw new BadRequestException('an SSWS token takes no clientId');
    return { ...common, authMethod: 'ssws', credential: dto.sswsToken };
  }
  if (dto.clientId === undefined) throw new BadRequestException('OAuth 2.0 client credentials need clientId');
  return dto.clientSecret !== undefined
    ? { ...common, authMethod: 'client_secret', clientId: dto.clientId, credential: dto.clientSecret }
    : { ...common, authMethod: 'private_key', clientId: dto.clientId, credential: dto.privateKey as string };
}

/** Operator API for a tenant's Okta Event Hook and Okta API access (the HTTP twin of `idsync okta …`). */
@ApiTags('admin: Okta Event Hooks')
@ApiBearerAuth(OPENAPI_ADMIN_AUTH)
@ApiResponse({ status: 401, description: 'Missing, wrong, expired or revoked admin token', type: HttpErrorBody })
@ApiResponse({ status: 403, description: "The token's roles do not hold the route's scope (docs/SECURITY.md)", type: HttpErrorBody })
@ApiResponse({ status: 404, description: "No such tenant (a tenant-admin: another tenant)", type: HttpErrorBody })
@Controller(`${ADMIN_ROUTE_PREFIX}/tenants/:tenant/okta`)
@UseGuards(AdminApiGuard)
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
export class OktaHookAdminController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @AdminScope('okta:read')
  @ApiOperation({ summary: "A tenant's Okta configuration (never secrets) and its Event Hook path" })
  show(@Param('tenant') tenant: string): Promise<OktaConfigView> {
    return this.queries.execute<GetOktaConfigQuery, OktaConfigView>(new GetOktaConfigQuery(tenant));
  }

  @Put('hook')
  @AdminScope('okta:write')
  @ApiOperation({ summary: 'Set the Event Hook authentication header and secret (or generate one, returned once)' })
  @ApiResponse({ status: 400, type: HttpErrorBody })
  @ApiResponse({ status: 503, description: 'ENCRYPTION_KEYS is not configured', type: HttpErrorBody })
  setHook(@Param('tenant') tenant: string, @Body() dto: SetOktaHookDto, @CurrentAdmin() admin: AdminPrincipal): Promise<SetOktaHookConfigResult> {
    if ((dto.secret !== undefined) === !!dto.generate) throw new BadRequestException('give either secret or generate: true');
    return this.commands.execute(new SetOktaHookConfigCommand(tenant, dto.headerName ?? 'Authorization', dto.secret, admin.actorId));
  }

  @Delete('hook')
  @AdminScope('okta:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the Event Hook configuration (deliveries then get 401)' })
  async removeHook(@Param('tenant') tenant: string, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.commands.execute(new RemoveOktaConfigCommand(tenant, 'hook', admin.actorId));
  }

  @Put('api')
  @AdminScope('okta:write')
  @ApiOperation({ summary: 'Set Okta Management API access (SSWS token or OAuth 2.0 client credentials); stored encrypted' })
  @ApiResponse({ status: 400, type: HttpErrorBody })
  @ApiResponse({ status: 503, description: 'ENCRYPTION_KEYS is not configured', type: HttpErrorBody })
  setApi(@Param('tenant') tenant: string, @Body() dto: SetOktaApiDto, @CurrentAdmin() admin: AdminPrincipal): Promise<OktaApiConfigSummary> {
    return this.commands.execute(new SetOktaApiConfigCommand(tenant, apiInputOf(dto), admin.actorId));
  }

  @Delete('api')
  @AdminScope('okta:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove Okta API access (events are then published without profiles)' })
  async removeApi(@Param('tenant') tenant: string, @CurrentAdmin() admin: AdminPrincipal): Promise<void> {
    await this.commands.execute(new RemoveOktaConfigCommand(tenant, 'api', admin.actorId));
  }
}
