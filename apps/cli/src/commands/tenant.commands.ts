import { Command } from 'commander';
import { AuditWriter } from '@idsync/audit';
import { TenantNameTakenError, TenantService } from '../../../scim-gateway/src/tenants/tenant.service';
import { CliFailure, cliActorId, formatTable, printResult, withDb, withJsonOption, type JsonOption } from '../cli-support';

/** `idsync tenant create|list`: tenants, one per identity-provider connection. */
export function registerTenantCommands(program: Command): void {
  const tenant = program.command('tenant').description('Tenants (one per identity-provider connection); DATABASE_URL');

  withJsonOption(tenant.command('create <name>').description('Create a tenant')).action(async (name: string, opts: JsonOption) => {
    await withDb(async (db) => {
      try {
        // The tenant and its audit record commit together (docs/AUDIT.md).
        const created = await db.transaction(async (tx) => {
          const tenant = await new TenantService(db).create(name, tx);
          await AuditWriter.record(tx, { tenantId: tenant.id, actorType: 'cli', actorId: cliActorId(), action: 'tenant.create', resourceType: 'Tenant', resourceId: tenant.id, changes: [{ path: 'name', after: tenant.name }] });
          return tenant;
        });
        printResult(opts.json, { id: created.id, name: created.name, createdAt: created.createdAt }, `created tenant ${created.name} (${created.id})`);
      } catch (err) {
        if (err instanceof TenantNameTakenError) throw new CliFailure(err.message);
        if (err instanceof Error && /tenant name must/.test(err.message)) throw new CliFailure(err.message);
        throw err;
      }
    });
  });

  withJsonOption(tenant.command('list').description('List tenants')).action(async (opts: JsonOption) => {
    await withDb(async (db) => {
      const tenants = await new TenantService(db).list();
      printResult(opts.json, tenants, formatTable(tenants.map((t) => ({ id: t.id, name: t.name, created: t.createdAt }))));
    });
  });
}
