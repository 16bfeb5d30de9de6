// Public entry point of @idsync/identity: the SCIM 2.0 domain (schemas, filter and PATCH engines).
export * from './errors/scim-error';
export * from './schema/types';
