import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, runMigrations } from '@idsync/persistence';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A uniquely named, migrated database on the test PostgreSQL server; drop() removes it. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/idsync_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(5).toString('hex')}`;
  const url = base.toString();
  await ensureDatabase(url);
  await runMigrations(url);
  return { url, drop: () => dropDatabase(url) };
}
