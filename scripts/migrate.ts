// `npm run migrate`: creates the database named in DATABASE_URL if it is missing, then applies
// pending migrations. Run with `node -r ./scripts/register.cjs scripts/migrate.ts` (npm start and
// the docker-compose `migrate` service call it the same way).
import { ensureDatabase, runMigrations } from '@idsync/persistence';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/idsync';

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  await ensureDatabase(url);
  const applied = await runMigrations(url);
  process.stderr.write(
    `[migrate] ${redact(url)}: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`[migrate] failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
