import { Body, Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Request } from 'express';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, ScimAuthGuard } from '../auth/scim-auth.guard';
import { GatewayConfig } from '../config/gateway.config';
import { ScimOperation, ScimPayloadTooLarge, ScimRequestBody, ScimResponse } from '../scim/http/scim-openapi';
import { scimBaseUrl } from '../scim/http/scim-request';
import type { ScimPrincipal } from '../tenants/scim-token.service';
import { ProcessBulkCommand } from './commands/process-bulk.command';
import type { BulkResponse } from './commands/process-bulk.handler';

/** POST /scim/v2/Bulk (RFC 7644 §3.7); the body size limit is the body parser's (SCIM_MAX_PAYLOAD_BYTES). */
@ApiTags('SCIM: Bulk')
@ScimOperation()
@Controller('scim/v2/Bulk')
@UseGuards(ScimAuthGuard)
export class BulkController {
  constructor(
    private readonly commands: CommandBus,
    private readonly config: GatewayConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Several operations in one request (RFC 7644 §3.7); bulkId references resolved', description: 'At most SCIM_BULK_MAX_OPERATIONS operations and SCIM_MAX_PAYLOAD_BYTES (advertised in ServiceProviderConfig).' })
  @ScimRequestBody('ScimBulkRequest')
  @ScimResponse(200, 'One result per operation', 'ScimBulkResponse')
  @ScimPayloadTooLarge()
  process(@CurrentPrincipal() principal: ScimPrincipal, @Body() body: unknown, @Req() req: Request): Promise<BulkResponse> {
    return this.commands.execute<ProcessBulkCommand, BulkResponse>(new ProcessBulkCommand(principal, scimBaseUrl(req, this.config.SCIM_BASE_URL), body));
  }
}
