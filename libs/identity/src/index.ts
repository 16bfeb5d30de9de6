// Public entry point of @idsync/identity: the SCIM 2.0 domain (schemas, filter and PATCH engines).
export * from './errors/scim-error';
export * from './schema/types';
// SCIM resource engine (schema registry, validator, projection, PATCH)
export { attribute, COMMON_ATTRIBUTES, CORE_RESOURCE_TYPES, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from './schema/core-schemas';
export { ScimSchemaRegistry, findAttributeDefinition, type ResolvedAttributePath, type ScimResourceTypeResource, type ScimSchemaResource } from './schema/scim-schema-registry';
export { ScimResourceValidator, ENTRA_AD_GROUP_SCHEMA_URI, type ScimResourceValidatorOptions, type ScimValidatedResource } from './schema/scim-resource-validator';
export { projectResource, parseAttributeList, type ScimProjectionRequest } from './schema/scim-attribute-projection';
export { ScimPatchEngine, DEFAULT_MAX_PATCH_OPERATIONS, type ScimPatchEngineOptions, type ScimPatchOperation, type ScimPatchOperationType, type ScimPatchResult } from './patch/scim-patch-engine';
export { ElementFilterMatcher, type ScimValueFilterMatcher } from './patch/value-filter-matcher';
// SCIM filter engine (parser, evaluator, SQL compiler, search normalisation)
export * from './filter';
