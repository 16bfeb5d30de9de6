import { All, Controller, Get, Param, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { SCIM_SCHEMAS, ScimError } from '@idsync/identity';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { GatewayConfig } from '../config/gateway.config';
import { ScimEngine } from '../resources/scim-engine';
import { ScimNotFound, ScimNotImplemented, ScimOperation, ScimResponse } from '../scim/http/scim-openapi';
import { scimBaseUrl } from '../scim/http/scim-request';

/** RFC 7644 §4 discovery: what this service provider supports, generated from the live configuration. */
@UseGuards(ScimAuthGuard)
@ApiTags('SCIM: discovery')
@ScimOperation()
@Controller('scim/v2')
export class DiscoveryController {
  constructor(
    private readonly engine: ScimEngine,
    private readonly config: GatewayConfig,
  ) {}

  @Get('ServiceProviderConfig')
  @ApiOperation({ summary: 'Supported features and limits (RFC 7644 §4)' })
  @ScimResponse(200, 'ServiceProviderConfig', 'ScimServiceProviderConfig')
  serviceProviderConfig(@Req() req: Request) {
    const base = scimBaseUrl(req, this.config.SCIM_BASE_URL);
    return {
      schemas: [SCIM_SCHEMAS.serviceProviderConfig],
      documentationUri: 'https://github.com/idsync/idsync/blob/main/docs/SCIM.md',
      patch: { supported: true },
      bulk: { supported: true, maxOperations: this.config.SCIM_BULK_MAX_OPERATIONS, maxPayloadSize: this.config.SCIM_MAX_PAYLOAD_BYTES },
      filter: { supported: true, maxResults: this.config.SCIM_MAX_RESULTS },
      changePassword: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: 'A per-tenant bearer token issued with `idsync token create`',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    };
  }

  @Get('ResourceTypes')
  @ApiOperation({ summary: 'Resource types (User, Group) with their schema extensions' })
  @ScimResponse(200, 'A list of ResourceType resources', 'ScimListResponse')
  resourceTypes(@Req() req: Request) {
    const resources = this.engine.registry.toResourceTypeResources(scimBaseUrl(req, this.config.SCIM_BASE_URL));
    return { schemas: [SCIM_SCHEMAS.listResponse], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
  }

  @Get('ResourceTypes/:name')
  @ApiOperation({ summary: 'One resource type' })
  @ApiParam({ name: 'name', example: 'User' })
  @ScimResponse(200, 'A ResourceType resource', 'ScimDefinition')
  @ScimNotFound()
  resourceType(@Param('name') name: string, @Req() req: Request) {
    const found = this.engine.registry.toResourceTypeResources(scimBaseUrl(req, this.config.SCIM_BASE_URL)).find((r) => r.id.toLowerCase() === name.toLowerCase() || r.name.toLowerCase() === name.toLowerCase());
    if (!found) throw ScimError.notFound(`ResourceType ${name} not found`);
    return found;
  }

  @Get('Schemas')
  @ApiOperation({ summary: 'Schemas (core, enterprise extension, configured custom extensions)' })
  @ScimResponse(200, 'A list of Schema resources', 'ScimListResponse')
  schemas(@Req() req: Request) {
    const resources = this.engine.registry.toSchemaResources(scimBaseUrl(req, this.config.SCIM_BASE_URL));
    return { schemas: [SCIM_SCHEMAS.listResponse], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
  }

  @Get('Schemas/:urn')
  @ApiOperation({ summary: 'One schema by URN' })
  @ApiParam({ name: 'urn', example: 'urn:ietf:params:scim:schemas:core:2.0:User' })
  @ScimResponse(200, 'A Schema resource', 'ScimDefinition')
  @ScimNotFound()
  schema(@Param('urn') urn: string, @Req() req: Request) {
    const found = this.engine.registry.toSchemaResources(scimBaseUrl(req, this.config.SCIM_BASE_URL)).find((s) => s.id.toLowerCase() === urn.toLowerCase());
    if (!found) throw ScimError.notFound(`Schema ${urn} not found`);
    return found;
  }

  /** /Me needs a user-bound identity, which provisioning tokens are not (RFC 7644 §3.11 allows 501). */
  @All(['Me', 'Me/*path'])
  @ApiOperation({ summary: '/Me is not supported (RFC 7644 §3.11): SCIM tokens identify a provisioning client, not a user' })
  @ScimNotImplemented()
  me(): never {
    throw new ScimError(501, undefined, '/Me is not supported: SCIM tokens identify a provisioning client, not a user');
  }
}
