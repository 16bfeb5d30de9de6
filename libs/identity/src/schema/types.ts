/** RFC 7643 §7 attribute and schema definitions; the schema registry and every engine are driven by these. */
export type ScimAttributeType =
  | 'string'
  | 'boolean'
  | 'decimal'
  | 'integer'
  | 'dateTime'
  | 'binary'
  | 'reference'
  | 'complex';

export type ScimMutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type ScimReturned = 'always' | 'never' | 'default' | 'request';
export type ScimUniqueness = 'none' | 'server' | 'global';

export interface ScimAttributeDefinition {
  name: string;
  type: ScimAttributeType;
  multiValued: boolean;
  description?: string;
  required: boolean;
  caseExact: boolean;
  mutability: ScimMutability;
  returned: ScimReturned;
  uniqueness: ScimUniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: ScimAttributeDefinition[];
}

export interface ScimSchemaDefinition {
  id: string; // the schema URN
  name: string;
  description?: string;
  attributes: ScimAttributeDefinition[];
}

export interface ScimSchemaExtensionRef {
  schema: string;
  required: boolean;
}

export interface ScimResourceTypeDefinition {
  id: string; // 'User' | 'Group'
  name: string;
  endpoint: string; // '/Users'
  description?: string;
  schema: string; // core schema URN
  schemaExtensions: ScimSchemaExtensionRef[];
}

export const SCIM_SCHEMAS = {
  user: 'urn:ietf:params:scim:schemas:core:2.0:User',
  group: 'urn:ietf:params:scim:schemas:core:2.0:Group',
  enterpriseUser: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  listResponse: 'urn:ietf:params:scim:api:messages:2.0:ListResponse',
  patchOp: 'urn:ietf:params:scim:api:messages:2.0:PatchOp',
  searchRequest: 'urn:ietf:params:scim:api:messages:2.0:SearchRequest',
  bulkRequest: 'urn:ietf:params:scim:api:messages:2.0:BulkRequest',
  bulkResponse: 'urn:ietf:params:scim:api:messages:2.0:BulkResponse',
  error: 'urn:ietf:params:scim:api:messages:2.0:Error',
  serviceProviderConfig: 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig',
  resourceType: 'urn:ietf:params:scim:schemas:core:2.0:ResourceType',
  schema: 'urn:ietf:params:scim:schemas:core:2.0:Schema',
} as const;

/** A SCIM resource as JSON (stored or on the wire); values are narrowed where they are used. */
export type ScimJsonObject = Record<string, unknown>;

/** The resource types this engine knows (RFC 7643 §4). */
export type ScimResourceTypeId = 'User' | 'Group';

/**
 * A custom extension schema as declared in configuration. Attribute characteristics may be
 * omitted and take the RFC 7643 §2.2 defaults; the registry validates and completes them.
 */
export interface ScimExtensionSchemaConfig {
  id: string;
  name: string;
  description?: string;
  resourceType: ScimResourceTypeId;
  required?: boolean;
  attributes: unknown[];
}
