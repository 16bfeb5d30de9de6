import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@idsync/persistence';
import { ScimTokenService } from '../tenants/scim-token.service';
import { TenantNameTakenError, TenantService } from '../tenants/tenant.service';
import { registerDeadLetterCommands } from './deadletter.commands';
import { formatTable, printResult } from '@idsync/platform';

// `npm run -s cli -- …` / `idsync …`: operator commands. Scripts rely on this contract:
// --json prints one JSON document on stdout; failures print a message on stderr and exit non-zero
// (1 = the operation failed, 2 = bad usage).

class CliFailure extends Error {}

async function withDb<T>(fn: (db: DataSource) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/idsync';
  const db = new DataSource({ ...dataSourceOptions(url), extra: { max: 2 } } as ConstructorParameters<typeof DataSource>[0]);
  try {
    await db.initialize();
  } catch (err) {
    throw new CliFailure(`cannot connect to the database: ${(err as Error).message}`);
  }
  try {
    return await fn(db);
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') throw new CliFailure('the database has no idsync schema yet: run `npm run migrate` first');
    throw err;
  } finally {
    await db.destroy();
  }
}



async function tenantOf(tenants: TenantService, ref: string) {
  const tenant = await tenants.findByNameOrId(ref);
  if (!tenant) throw new CliFailure(`no tenant named "${ref}"`);
  return tenant;
}

export function buildCli(): Command {
  const program = new Command('idsync').description('Operate idsync: tenants and SCIM tokens').exitOverride().showHelpAfterError();

  const tenant = program.command('tenant').description('Tenants (one per identity-provider connection)');
  tenant
    .command('create <name>')
    .description('Create a tenant')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      await withDb(async (db) => {
        try {
          const created = await new TenantService(db).create(name);
          printResult(!!opts.json, { id: created.id, name: created.name, createdAt: created.createdAt }, `created tenant ${created.name} (${created.id})`);
        } catch (err) {
          if (err instanceof TenantNameTakenError) throw new CliFailure(err.message);
          if (err instanceof Error && /tenant name must/.test(err.message)) throw new CliFailure(err.message);
          throw err;
        }
      });
    });
  tenant
    .command('list')
    .description('List tenants')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withDb(async (db) => {
        const tenants = await new TenantService(db).list();
        printResult(!!opts.json, tenants, formatTable(tenants.map((t) => ({ id: t.id, name: t.name, created: t.createdAt }))));
      });
    });

  const token = program.command('token').description('SCIM bearer tokens');
  token
    .command('create')
    .description('Issue a SCIM token for a tenant (shown once; only its hash is stored)')
    .requiredOption('--tenant <name>', 'tenant name or id')
    .option('--description <text>', 'what the token is for (e.g. "Okta production")')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant: string; description?: string; json?: boolean }) => {
      await withDb(async (db) => {
        const t = await tenantOf(new TenantService(db), opts.tenant);
        const issued = await new ScimTokenService(db).issue(t.id, opts.description);
        printResult(
          !!opts.json,
          { id: issued.id, tenantId: t.id, token: issued.token },
          `token ${issued.id} for tenant ${t.name}:\n\n  ${issued.token}\n\nStore it now: it cannot be shown again.`,
        );
      });
    });
  token
    .command('list')
    .description('List tokens (never their values)')
    .option('--tenant <name>', 'only this tenant')
    .option('--json', 'print JSON')
    .action(async (opts: { tenant?: string; json?: boolean }) => {
      await withDb(async (db) => {
        const t = opts.tenant ? await tenantOf(new TenantService(db), opts.tenant) : undefined;
        const tokens = await new ScimTokenService(db).list(t?.id);
        printResult(!!opts.json, tokens, formatTable(tokens.map((x) => ({ id: x.id, tenant: x.tenantId, description: x.description, lastUsed: x.lastUsedAt, revoked: x.revokedAt }))));
      });
    });
  token
    .command('revoke <id>')
    .description('Revoke a token (takes effect within seconds on every replica)')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withDb(async (db) => {
        if (!(await new ScimTokenService(db).revoke(id))) throw new CliFailure(`no active token with id ${id}`);
        printResult(!!opts.json, { id, revoked: true }, `revoked token ${id}`);
      });
    });
  registerDeadLetterCommands(program);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`idsync: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
