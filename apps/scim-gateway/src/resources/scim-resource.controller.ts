import { Body, Delete, Get, Headers, HttpCode, Param, Patch, Post, Put, Query, Req, Res, UseGuards } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { ApiOperation, ApiParam, ApiResponse } from '@nestjs/swagger';
import { SCIM_SCHEMAS, ScimError, type ScimJsonObject, type ScimResourceTypeId } from '@idsync/identity';
import { CurrentPrincipal, ScimAuthGuard } from '../auth/scim-auth.guard';
import { GatewayConfig } from '../config/gateway.config';
import { listParameters, projection, scimBaseUrl } from '../scim/http/scim-request';
import { IfMatchHeader, IfNoneMatchHeader, ScimConflict, ScimListQuery, ScimNotFound, ScimOperation, ScimPayloadTooLarge, ScimPreconditionFailed, ScimProjectionQuery, ScimRequestBody, ScimResponse } from '../scim/http/scim-openapi';
import type { ScimPrincipal } from '../tenants/scim-token.service';
import { CreateResourceCommand } from './commands/create-resource/create-resource.command';
import { DeleteResourceCommand } from './commands/delete-resource/delete-resource.command';
import { PatchResourceCommand } from './commands/patch-resource/patch-resource.command';
import { ReplaceResourceCommand } from './commands/replace-resource/replace-resource.command';
import { GetResourceQuery } from './queries/get-resource/get-resource.query';
import { ListResourcesQuery } from './queries/list-resources/list-resources.query';
import { etagOf, ScimResourceRenderer } from './scim-resource.renderer';
import type { ListPage, StoredResource } from './store/scim-resource.store';

/**
 * The SCIM resource endpoints, shared by /Users and /Groups. Handlers only translate HTTP into
 * commands and queries and render the result; the work happens in the handlers.
 */
@UseGuards(ScimAuthGuard)
@ScimOperation()
export abstract class ScimResourceController {
  protected abstract readonly resourceType: ScimResourceTypeId;

  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
    private readonly renderer: ScimResourceRenderer,
    private readonly config: GatewayConfig,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List or query resources (RFC 7644 §3.4.2)' })
  @ScimListQuery()
  @ScimResponse(200, 'A page of resources', 'ScimListResponse')
  async list(@CurrentPrincipal() p: ScimPrincipal, @Query() query: Record<string, unknown>, @Req() req: Request) {
    const params = listParameters(query, this.config.SCIM_MAX_RESULTS);
    const page = await this.queries.execute<ListResourcesQuery, ListPage>(new ListResourcesQuery(p.tenantId, this.resourceType, params));
    return this.listResponse(page, params.startIndex, req, projection(query));
  }

  @Post('.search')
  @HttpCode(200)
  @ApiOperation({ summary: 'Query resources with POST (RFC 7644 §3.4.3)' })
  @ScimRequestBody('ScimSearchRequest')
  @ScimResponse(200, 'A page of resources', 'ScimListResponse')
  async search(@CurrentPrincipal() p: ScimPrincipal, @Body() body: unknown, @Req() req: Request) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw ScimError.badRequest('invalidSyntax', 'SearchRequest body must be an object');
    const request = body as Record<string, unknown>;
    const schemas = request.schemas;
    if (!Array.isArray(schemas) || !schemas.includes(SCIM_SCHEMAS.searchRequest)) {
      throw ScimError.badRequest('invalidSyntax', `SearchRequest must declare schema ${SCIM_SCHEMAS.searchRequest}`);
    }
    const params = listParameters(request, this.config.SCIM_MAX_RESULTS);
    const page = await this.queries.execute<ListResourcesQuery, ListPage>(new ListResourcesQuery(p.tenantId, this.resourceType, params));
    return this.listResponse(page, params.startIndex, req, projection(request));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a resource (RFC 7644 §3.4.1)' })
  @ApiParam({ name: 'id', description: 'Resource id' })
  @ScimProjectionQuery()
  @IfNoneMatchHeader()
  @ScimResponse(200, 'The resource (ETag header: its version)', 'ScimResource')
  @ApiResponse({ status: 304, description: 'If-None-Match matched the current version' })
  @ScimNotFound()
  async get(
    @CurrentPrincipal() p: ScimPrincipal,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const found = await this.queries.execute<GetResourceQuery, StoredResource>(new GetResourceQuery(p.tenantId, this.resourceType, id));
    res.setHeader('ETag', etagOf(found));
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === etagOf(found) || t.trim() === '*')) {
      res.status(304);
      return undefined;
    }
    return this.renderer.renderOne(found, this.baseUrl(req), projection(query));
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a resource (RFC 7644 §3.3)' })
  @ScimProjectionQuery()
  @ScimRequestBody('ScimResource')
  @ScimResponse(201, 'Created (Location and ETag headers)', 'ScimResource')
  @ScimConflict()
  @ScimPayloadTooLarge()
  async create(@CurrentPrincipal() p: ScimPrincipal, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const baseUrl = this.baseUrl(req);
    const created = await this.commands.execute<CreateResourceCommand, StoredResource>(new CreateResourceCommand(p, this.resourceType, baseUrl, body));
    return this.written(created, res, baseUrl, query, true);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Replace a resource (RFC 7644 §3.5.1)' })
  @ApiParam({ name: 'id', description: 'Resource id' })
  @ScimProjectionQuery()
  @IfMatchHeader()
  @ScimRequestBody('ScimResource')
  @ScimResponse(200, 'The replaced resource', 'ScimResource')
  @ScimNotFound()
  @ScimConflict()
  @ScimPreconditionFailed()
  @ScimPayloadTooLarge()
  async replace(
    @CurrentPrincipal() p: ScimPrincipal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const baseUrl = this.baseUrl(req);
    const updated = await this.commands.execute<ReplaceResourceCommand, StoredResource>(
      new ReplaceResourceCommand(p, this.resourceType, baseUrl, id, body, ifMatch),
    );
    return this.written(updated, res, baseUrl, query, false);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Modify a resource with PATCH operations (RFC 7644 §3.5.2)' })
  @ApiParam({ name: 'id', description: 'Resource id' })
  @ScimProjectionQuery()
  @IfMatchHeader()
  @ScimRequestBody('ScimPatchOp')
  @ScimResponse(200, 'The modified resource', 'ScimResource')
  @ScimNotFound()
  @ScimConflict()
  @ScimPreconditionFailed()
  @ScimPayloadTooLarge()
  async patch(
    @CurrentPrincipal() p: ScimPrincipal,
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: Record<string, unknown>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const baseUrl = this.baseUrl(req);
    const updated = await this.commands.execute<PatchResourceCommand, StoredResource>(
      new PatchResourceCommand(p, this.resourceType, baseUrl, id, body, ifMatch),
    );
    return this.written(updated, res, baseUrl, query, false);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a resource (RFC 7644 §3.6)' })
  @ApiParam({ name: 'id', description: 'Resource id' })
  @IfMatchHeader()
  @ApiResponse({ status: 204, description: 'Deleted' })
  @ScimNotFound()
  @ScimPreconditionFailed()
  async remove(@CurrentPrincipal() p: ScimPrincipal, @Param('id') id: string, @Headers('if-match') ifMatch: string | undefined, @Req() req: Request): Promise<void> {
    await this.commands.execute(new DeleteResourceCommand(p, this.resourceType, this.baseUrl(req), id, ifMatch));
  }

  private async written(resource: StoredResource, res: Response, baseUrl: string, query: Record<string, unknown>, created: boolean) {
    const body = created ? this.renderer.renderCreated(resource, baseUrl, projection(query)) : await this.renderer.renderOne(resource, baseUrl, projection(query));
    res.setHeader('ETag', etagOf(resource));
    if (created) res.setHeader('Location', (body.meta as ScimJsonObject | undefined)?.location as string ?? `${baseUrl}`);
    return body;
  }

  private async listResponse(page: ListPage, startIndex: number, req: Request, proj: ReturnType<typeof projection>) {
    const resources = await this.renderer.render(page.resources, this.baseUrl(req), proj);
    return {
      schemas: [SCIM_SCHEMAS.listResponse],
      totalResults: page.total,
      startIndex,
      itemsPerPage: resources.length,
      Resources: resources,
    };
  }

  private baseUrl(req: Request): string {
    return scimBaseUrl(req, this.config.SCIM_BASE_URL);
  }
}
