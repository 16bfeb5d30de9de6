import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/** TypeORM options shared by the apps and the migration CLI. */
export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}, poolSize = 20, acquireTimeoutMs = 0): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'typeorm_migrations',
    migrations: MIGRATIONS,
    // connectionTimeoutMillis bounds the wait for a pooled connection (pg-pool), so a saturated pool fails fast.
    extra: { max: poolSize, application_name: 'idsync', ...(acquireTimeoutMs > 0 ? { connectionTimeoutMillis: acquireTimeoutMs } : {}) },
    ...extra,
  } as DataSourceOptions;
}

/** Applies pending migrations; returns the names applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions(url, { extra: { max: 2 } } as Partial<DataSourceOptions>));
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
