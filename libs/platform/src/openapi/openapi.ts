import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject, type SchemaObject } from '@nestjs/swagger';

/** Security scheme names the controllers refer to with @ApiBearerAuth(<name>). */
export const OPENAPI_ADMIN_AUTH = 'admin-token';
export const OPENAPI_SCIM_AUTH = 'scim-token';

/** Where the docs are served: the UI at /docs, the document at /docs/openapi.json. */
export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'docs/openapi.json';

/**
 * Routes that are deliberately not part of an app's OpenAPI document: operational endpoints every
 * app has (probes, Prometheus, the docs themselves) and the operator console's server-rendered HTML
 * pages (webhook-delivery's /console: pages for people, not an API). The drift test skips the same
 * prefixes when it compares the document with the live router, so this is the one list.
 */
export const OPENAPI_EXCLUDED_PATH_PREFIXES = ['/health', '/metrics', '/docs', '/console'] as const;

/** HTTP methods an OpenAPI 3.0 path item may hold (Swagger's @All also emits `search`/`query`). */
const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** What an app's OpenAPI document says about itself (opt-in per app via IdsyncAppOptions.openApi). */
export interface OpenApiOptions {
  title: string;
  description: string;
  /** Which bearer schemes the app's controllers use. */
  security: { admin?: boolean; scim?: boolean };
  /** Component schemas written by hand (e.g. RFC 7643 resources) that operations $ref. */
  schemas?: Record<string, SchemaObject>;
}

export function isExcludedFromOpenApi(path: string): boolean {
  return OPENAPI_EXCLUDED_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/**
 * Builds the document from the controllers' decorators. Deterministic (no servers, no dates, keys
 * sorted) so the committed docs/openapi/<app>.json can be compared byte for byte with the code.
 * Works on an app created with `{ preview: true }` (no database or Kafka needed).
 */
export function buildOpenApiDocument(app: INestApplication, opts: OpenApiOptions): OpenAPIObject {
  const builder = new DocumentBuilder().setOpenAPIVersion('3.0.3').setTitle(opts.title).setDescription(opts.description).setVersion('1');
  if (opts.security.admin) {
    builder.addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'An admin token (`idsync admin-token create`, `idsa_…`) whose role holds the scope the route names (docs/SECURITY.md); the deprecated ADMIN_API_TOKEN acts as admin' }, OPENAPI_ADMIN_AUTH);
  }
  if (opts.security.scim) {
    builder.addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'A per-tenant SCIM token (`idsync token create --tenant <name>`)' }, OPENAPI_SCIM_AUTH);
  }
  const document = SwaggerModule.createDocument(app, builder.build(), {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...opts.schemas } };
  for (const path of Object.keys(document.paths)) {
    if (isExcludedFromOpenApi(path)) {
      delete document.paths[path];
      continue;
    }
    const item = document.paths[path] as Record<string, unknown>;
    for (const method of Object.keys(item)) {
      if (OPENAPI_METHODS.has(method)) declarePathParameters(path, item[method] as OperationObject);
      else if (method !== 'parameters') delete item[method];
    }
  }
  return sortKeys(document) as OpenAPIObject;
}

/**
 * Every `{name}` of the path template declared as a path parameter, and none that is not: one
 * method on several routes (`@All(['Me', 'Me/*path'])`) shares its @ApiParam metadata otherwise.
 */
function declarePathParameters(path: string, operation: OperationObject): void {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const params = (operation.parameters ?? []).filter((p) => !('in' in p) || p.in !== 'path' || names.includes(p.name));
  for (const name of names) {
    if (!params.some((p) => 'in' in p && p.in === 'path' && p.name === name)) params.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
  operation.parameters = params;
}

/** Serves the UI at /docs and the JSON document at /docs/openapi.json (called before app.init()). */
export function setupOpenApi(app: INestApplication, opts: OpenApiOptions): void {
  const document = buildOpenApiDocument(app, opts);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, { jsonDocumentUrl: OPENAPI_JSON_PATH, raw: ['json'], customSiteTitle: opts.title });
}

/** The document as committed: 2-space JSON with a trailing newline. */
export function serializeOpenApiDocument(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Object keys sorted recursively (arrays keep their order): stable output whatever the scan order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
  );
}
