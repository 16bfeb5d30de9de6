// Public entry point of @idsync/persistence: the PostgreSQL connection, migrations and database admin helpers.
export * from './data-source';
export * from './database-admin';
export * from './database.module';
export * from './migrations';
