import type { OpenApiOptions } from '@idsync/platform';
import { SCIM_OPENAPI_SCHEMAS } from './scim/http/scim-openapi';

/** scim-gateway's OpenAPI document (served at /docs, committed as docs/openapi/scim-gateway.json). */
export const gatewayOpenApi: OpenApiOptions = {
  title: 'idsync scim-gateway',
  description: [
    'The SCIM 2.0 service provider (RFC 7643/7644) identity providers such as Okta and Entra ID provision into, and the operator API for tenants and SCIM tokens.',
    '',
    'SCIM requests and responses use `application/scim+json` (plain `application/json` is accepted too); errors carry the SCIM Error schema (`urn:ietf:params:scim:api:messages:2.0:Error`). Every SCIM route is scoped to the tenant of its bearer token.',
    '',
    'The operator API under `/admin` answers plain JSON and needs an admin token whose role holds the scope each route names (`admin`, `operator`, `auditor`, `tenant-admin`: docs/SECURITY.md); 403 when it does not.',
  ].join('\n'),
  security: { admin: true, scim: true },
  schemas: SCIM_OPENAPI_SCHEMAS,
};
