import { All, Controller, Get, Param, Req, UseGuards } from '@nestjs/common';
import type { Request } from 'express';
import { SCIM_SCHEMAS, ScimError } from '@idsync/identity';
import { ScimAuthGuard } from '../auth/scim-auth.guard';
import { GatewayConfig } from '../config/gateway.config';
import { ScimEngine } from '../resources/scim-engine';
import { scimBaseUrl } from '../scim/http/scim-request';

/** RFC 7644 §4 discovery: what this service provider supports, generated from the live configuration. */
@UseGuards(ScimAuthGuard)
@Controller('scim/v2')
export class DiscoveryController {
  constructor(
    private readonly engine: ScimEngine,
    private readonly config: GatewayConfig,
  ) {}

  @Get('ServiceProviderConfig')
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
  resourceTypes(@Req() req: Request) {
    const resources = this.engine.registry.toResourceTypeResources(scimBaseUrl(req, this.config.SCIM_BASE_URL));
    return { schemas: [SCIM_SCHEMAS.listResponse], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
  }

  @Get('ResourceTypes/:name')
  resourceType(@Param('name') name: string, @Req() req: Request) {
    const found = this.engine.registry.toResourceTypeResources(scimBaseUrl(req, this.config.SCIM_BASE_URL)).find((r) => r.id.toLowerCase() === name.toLowerCase() || r.name.toLowerCase() === name.toLowerCase());
    if (!found) throw ScimError.notFound(`ResourceType ${name} not found`);
    return found;
  }

  @Get('Schemas')
  schemas(@Req() req: Request) {
    const resources = this.engine.registry.toSchemaResources(scimBaseUrl(req, this.config.SCIM_BASE_URL));
    return { schemas: [SCIM_SCHEMAS.listResponse], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
  }

  @Get('Schemas/:urn')
  schema(@Param('urn') urn: string, @Req() req: Request) {
    const found = this.engine.registry.toSchemaResources(scimBaseUrl(req, this.config.SCIM_BASE_URL)).find((s) => s.id.toLowerCase() === urn.toLowerCase());
    if (!found) throw ScimError.notFound(`Schema ${urn} not found`);
    return found;
  }

  /** /Me needs a user-bound identity, which provisioning tokens are not (RFC 7644 §3.11 allows 501). */
  @All(['Me', 'Me/*path'])
  me(): never {
    throw new ScimError(501, undefined, '/Me is not supported: SCIM tokens identify a provisioning client, not a user');
  }
}
