import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiProduces, ApiQuery, ApiResponse, type SchemaObject } from '@nestjs/swagger';
import { OPENAPI_SCIM_AUTH } from '@idsync/platform';

// OpenAPI description of the SCIM API (RFC 7643 schemas, RFC 7644 protocol). The resource schemas
// are deliberately open (additionalProperties): the authoritative, configuration-dependent schema
// is served by /Schemas; these give clients the shape and the RFC examples.

export const SCIM_MEDIA_TYPE = 'application/scim+json';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const meta: SchemaObject = {
  type: 'object',
  readOnly: true,
  properties: {
    resourceType: { type: 'string', example: 'User' },
    created: { type: 'string', format: 'date-time' },
    lastModified: { type: 'string', format: 'date-time' },
    location: { type: 'string', format: 'uri' },
    version: { type: 'string', example: 'W/"3694e05e9dff590"' },
  },
};

const multiValued = (): SchemaObject => ({
  type: 'array',
  items: { type: 'object', additionalProperties: true, properties: { value: { type: 'string' }, display: { type: 'string' }, type: { type: 'string' }, primary: { type: 'boolean' } } },
});

/** Component schemas the SCIM operations refer to (merged into the document by buildOpenApiDocument). */
export const SCIM_OPENAPI_SCHEMAS: Record<string, SchemaObject> = {
  ScimError: {
    type: 'object',
    description: 'RFC 7644 §3.12 error response',
    required: ['schemas', 'status'],
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:Error'] } },
      status: { type: 'string', description: 'HTTP status code as a string', example: '400' },
      scimType: {
        type: 'string',
        enum: ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'],
      },
      detail: { type: 'string' },
    },
    example: { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], scimType: 'mutability', detail: "Attribute 'id' is readOnly", status: '400' },
  },
  ScimUser: {
    type: 'object',
    description: 'RFC 7643 §4.1 User, with the enterprise extension under its URN key (§4.3). Full schema: GET /scim/v2/Schemas.',
    required: ['schemas', 'userName'],
    additionalProperties: true,
    properties: {
      schemas: { type: 'array', items: { type: 'string' }, example: ['urn:ietf:params:scim:schemas:core:2.0:User'] },
      id: { type: 'string', readOnly: true },
      externalId: { type: 'string' },
      userName: { type: 'string' },
      name: { type: 'object', properties: { formatted: { type: 'string' }, familyName: { type: 'string' }, givenName: { type: 'string' }, middleName: { type: 'string' } } },
      displayName: { type: 'string' },
      active: { type: 'boolean' },
      password: { type: 'string', writeOnly: true, description: 'Stored as a scrypt hash, never returned' },
      emails: multiValued(),
      phoneNumbers: multiValued(),
      groups: { ...multiValued(), readOnly: true, description: 'Direct and indirect memberships' },
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': {
        type: 'object',
        properties: { employeeNumber: { type: 'string' }, costCenter: { type: 'string' }, organization: { type: 'string' }, division: { type: 'string' }, department: { type: 'string' }, manager: { type: 'object', properties: { value: { type: 'string' } } } },
      },
      meta,
    },
    example: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: '2819c223-7f76-453a-919d-413861904646',
      externalId: '701984',
      userName: 'bjensen@example.com',
      name: { formatted: 'Ms. Barbara J Jensen, III', familyName: 'Jensen', givenName: 'Barbara' },
      displayName: 'Babs Jensen',
      active: true,
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
      meta: {
        resourceType: 'User',
        created: '2010-01-23T04:56:22Z',
        lastModified: '2011-05-13T04:42:34Z',
        version: 'W/"3694e05e9dff590"',
        location: 'https://example.com/scim/v2/Users/2819c223-7f76-453a-919d-413861904646',
      },
    },
  },
  ScimGroup: {
    type: 'object',
    description: 'RFC 7643 §4.2 Group',
    required: ['schemas', 'displayName'],
    additionalProperties: true,
    properties: {
      schemas: { type: 'array', items: { type: 'string' }, example: ['urn:ietf:params:scim:schemas:core:2.0:Group'] },
      id: { type: 'string', readOnly: true },
      externalId: { type: 'string' },
      displayName: { type: 'string' },
      members: { type: 'array', items: { type: 'object', properties: { value: { type: 'string' }, type: { type: 'string', enum: ['User', 'Group'] }, display: { type: 'string' } } } },
      meta,
    },
    example: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
      displayName: 'Tour Guides',
      members: [{ value: '2819c223-7f76-453a-919d-413861904646', display: 'Babs Jensen' }],
      meta: { resourceType: 'Group', created: '2010-01-23T04:56:22Z', lastModified: '2011-05-13T04:42:34Z', version: 'W/"3694e05e9dff990"', location: 'https://example.com/scim/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a' },
    },
  },
  ScimResource: { description: 'A User on /Users, a Group on /Groups', oneOf: [ref('ScimUser'), ref('ScimGroup')] },
  ScimListResponse: {
    type: 'object',
    description: 'RFC 7644 §3.4.2 list response',
    required: ['schemas', 'totalResults', 'Resources'],
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'] } },
      totalResults: { type: 'integer' },
      startIndex: { type: 'integer' },
      itemsPerPage: { type: 'integer' },
      Resources: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
    example: { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, startIndex: 1, itemsPerPage: 1, Resources: [{ id: '2819c223-7f76-453a-919d-413861904646', userName: 'bjensen@example.com' }] },
  },
  ScimSearchRequest: {
    type: 'object',
    description: 'RFC 7644 §3.4.3 query with POST',
    required: ['schemas'],
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'] } },
      attributes: { type: 'array', items: { type: 'string' } },
      excludedAttributes: { type: 'array', items: { type: 'string' } },
      filter: { type: 'string' },
      sortBy: { type: 'string' },
      sortOrder: { type: 'string', enum: ['ascending', 'descending'] },
      startIndex: { type: 'integer', minimum: 1 },
      count: { type: 'integer', minimum: 0 },
    },
    example: { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], attributes: ['displayName', 'userName'], filter: 'displayName sw "smith"', startIndex: 1, count: 10 },
  },
  ScimPatchOp: {
    type: 'object',
    description: 'RFC 7644 §3.5.2 PATCH request',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] } },
      Operations: {
        type: 'array',
        items: { type: 'object', required: ['op'], properties: { op: { type: 'string', description: 'add, remove or replace (case-insensitive, as Entra ID sends them)' }, path: { type: 'string' }, value: {} } },
      },
    },
    example: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'add', path: 'members', value: [{ display: 'Babs Jensen', value: '2819c223-7f76-453a-919d-413861904646' }] },
        { op: 'replace', path: 'active', value: false },
      ],
    },
  },
  ScimBulkRequest: {
    type: 'object',
    description: 'RFC 7644 §3.7 bulk request',
    required: ['schemas', 'Operations'],
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'] } },
      failOnErrors: { type: 'integer', minimum: 1 },
      Operations: {
        type: 'array',
        items: { type: 'object', required: ['method', 'path'], properties: { method: { type: 'string', enum: ['POST', 'PUT', 'PATCH', 'DELETE'] }, bulkId: { type: 'string' }, version: { type: 'string' }, path: { type: 'string' }, data: { type: 'object', additionalProperties: true } } },
      },
    },
    example: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: [
        { method: 'POST', path: '/Users', bulkId: 'qwerty', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'Alice' } },
        { method: 'POST', path: '/Groups', bulkId: 'ytrewq', data: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Tour Guides', members: [{ type: 'User', value: 'bulkId:qwerty' }] } },
      ],
    },
  },
  ScimBulkResponse: {
    type: 'object',
    description: 'RFC 7644 §3.7 bulk response',
    properties: {
      schemas: { type: 'array', items: { type: 'string', enum: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'] } },
      Operations: {
        type: 'array',
        items: { type: 'object', properties: { method: { type: 'string' }, bulkId: { type: 'string' }, version: { type: 'string' }, location: { type: 'string' }, status: { type: 'string' }, response: ref('ScimError') } },
      },
    },
    example: {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'],
      Operations: [{ location: 'https://example.com/scim/v2/Users/92b725cd-9465-4e7d-8c16-01f8e146b87a', method: 'POST', bulkId: 'qwerty', version: 'W/"4weymrEsh5O6cAEK"', status: '201' }],
    },
  },
  ScimServiceProviderConfig: {
    type: 'object',
    description: 'RFC 7643 §5: features this service provider supports (from its configuration)',
    additionalProperties: true,
    properties: {
      schemas: { type: 'array', items: { type: 'string' } },
      patch: { type: 'object', properties: { supported: { type: 'boolean' } } },
      bulk: { type: 'object', properties: { supported: { type: 'boolean' }, maxOperations: { type: 'integer' }, maxPayloadSize: { type: 'integer' } } },
      filter: { type: 'object', properties: { supported: { type: 'boolean' }, maxResults: { type: 'integer' } } },
      changePassword: { type: 'object', properties: { supported: { type: 'boolean' } } },
      sort: { type: 'object', properties: { supported: { type: 'boolean' } } },
      etag: { type: 'object', properties: { supported: { type: 'boolean' } } },
      authenticationSchemes: { type: 'array', items: { type: 'object', additionalProperties: true } },
    },
  },
  ScimDefinition: { type: 'object', description: 'A ResourceType (RFC 7643 §6) or Schema (§7) resource', additionalProperties: true },
};

const scimError = (status: number, description: string) => ApiResponse({ status, description, content: { [SCIM_MEDIA_TYPE]: { schema: ref('ScimError') } } });

/** A SCIM JSON response body (content type application/scim+json). */
export function ScimResponse(status: number, description: string, schema: string): MethodDecorator {
  return ApiResponse({ status, description, content: { [SCIM_MEDIA_TYPE]: { schema: ref(schema) } } });
}

/** A SCIM JSON request body (application/scim+json; plain application/json is accepted too). */
export function ScimRequestBody(schema: string, description?: string): MethodDecorator {
  return applyDecorators(ApiConsumes(SCIM_MEDIA_TYPE, 'application/json'), ApiBody({ schema: ref(schema), description, required: true }));
}

/** What every SCIM operation shares: tenant bearer auth, scim+json responses, the SCIM error schema. */
export function ScimOperation(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(OPENAPI_SCIM_AUTH),
    ApiProduces(SCIM_MEDIA_TYPE),
    scimError(400, 'Invalid request (scimType says why: invalidSyntax, invalidValue, invalidFilter, mutability, …)'),
    scimError(401, 'Missing, unknown or revoked SCIM token'),
    scimError(500, 'Unexpected error: the detail names an errorId; the details are in the log only'),
    scimError(503, 'Overloaded or the database is restarting: retry after the Retry-After header'),
  );
}

export const ScimNotFound = () => scimError(404, 'No such resource in the token’s tenant');
export const ScimConflict = () => scimError(409, 'uniqueness: a unique attribute (a User’s userName) is taken in this tenant');
export const ScimPreconditionFailed = () => scimError(412, 'If-Match does not match the current version (ETag)');
export const ScimPayloadTooLarge = () => scimError(413, 'Body larger than SCIM_MAX_PAYLOAD_BYTES');
export const ScimNotImplemented = () => scimError(501, 'Not supported by this service provider');

/** RFC 7644 §3.9 attribute projection query parameters. */
export function ScimProjectionQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'attributes', required: false, type: String, description: 'Comma-separated attribute names to return (besides those always returned)' }),
    ApiQuery({ name: 'excludedAttributes', required: false, type: String, description: 'Comma-separated attribute names not to return' }),
  );
}

/** RFC 7644 §3.4.2 list query parameters (filter, sort, pagination). */
export function ScimListQuery(): MethodDecorator {
  return applyDecorators(
    ApiQuery({ name: 'filter', required: false, type: String, example: 'userName eq "bjensen@example.com"', description: 'RFC 7644 §3.4.2.2 filter' }),
    ApiQuery({ name: 'sortBy', required: false, type: String }),
    ApiQuery({ name: 'sortOrder', required: false, enum: ['ascending', 'descending'] }),
    ApiQuery({ name: 'startIndex', required: false, type: Number, description: '1-based index of the first result' }),
    ApiQuery({ name: 'count', required: false, type: Number, description: 'Page size (at most SCIM_MAX_RESULTS)' }),
    ScimProjectionQuery(),
  );
}

export const IfMatchHeader = () => ApiHeader({ name: 'If-Match', required: false, description: 'ETag of the version this write expects (412 otherwise)' });
export const IfNoneMatchHeader = () => ApiHeader({ name: 'If-None-Match', required: false, description: 'ETag the client has; 304 when it is current' });
