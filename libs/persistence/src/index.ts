// Public entry point of @idsync/persistence: the PostgreSQL connection, migrations, database admin helpers and prepared queries.
export * from './data-source';
export * from './database-admin';
export * from './database.module';
export * from './migrations';
export * from './prepared-query';
