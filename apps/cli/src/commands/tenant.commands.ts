import { Command, InvalidArgumentError } from 'commander';
import type { DataSource } from 'typeorm';
import { AuditWriter } from '@idsync/audit';
import { KeyRingConfigError } from '@idsync/crypto';
import { normalizeForSearch, ScimError } from '@idsync/identity';
import type { GatewayConfig } from '../../../scim-gateway/src/config/gateway.config';
import { ScimEngine } from '../../../scim-gateway/src/resources/scim-engine';
import { PiiConversionInterruptedError, PiiConversionPass, type PiiConversionResult } from '../../../scim-gateway/src/resources/store/pii-conversion';
import { ScimPiiVault } from '../../../scim-gateway/src/resources/store/pii-encryption';
import { ScimResourceStore } from '../../../scim-gateway/src/resources/store/scim-resource.store';
import { TenantNameTakenError, TenantService } from '../../../scim-gateway/src/tenants/tenant.service';
import { CliFailure, cliActorId, formatTable, note, positiveInteger, printResult, progressBar, withDb, withJsonOption, type JsonOption } from '../cli-support';

function onOff(raw: string): boolean {
  if (raw === 'on' || raw === 'off') return raw === 'on';
  throw new InvalidArgumentError('must be on or off');
}

function piiVault(): ScimPiiVault {
  let vault: ScimPiiVault;
  try {
    vault = ScimPiiVault.fromEnvironment();
  } catch (err) {
    if (err instanceof KeyRingConfigError) throw new CliFailure(err.message);
    throw err;
  }
  if (!vault.configured) throw new CliFailure('no key ring is configured: set IDSYNC_KEYS_FILE or IDSYNC_KEYS (the same ring as the gateway)');
  return vault;
}

/**
 * Flips the tenant's encrypt_pii (audited, in the same transaction) and converts its existing
 * rows. The UPDATE waits for SCIM writes that hold the tenant row FOR SHARE (ScimResourceStore),
 * so every write after it uses the new form and the pass that follows sees every older one.
 */
async function updateEncryptPii(db: DataSource, tenantId: string, on: boolean, batchSize: number, opts: JsonOption): Promise<{ changed: boolean; pass: PiiConversionResult }> {
  const vault = piiVault();
  const changed = await db.transaction(async (tx) => {
    const [before] = (await tx.query('SELECT encrypt_pii FROM tenants WHERE id = $1 FOR UPDATE', [tenantId])) as Array<{ encrypt_pii: boolean }>;
    if (before.encrypt_pii === on) return false;
    await tx.query('UPDATE tenants SET encrypt_pii = $2 WHERE id = $1', [tenantId, on]);
    await AuditWriter.record(tx, { tenantId, actorType: 'cli', actorId: cliActorId(), action: 'tenant.update', resourceType: 'Tenant', resourceId: tenantId, changes: [{ path: 'encryptPii', before: before.encrypt_pii, after: on }] });
    return true;
  });
  const engine = new ScimEngine({ SCIM_SCHEMA_EXTENSIONS_FILE: process.env.SCIM_SCHEMA_EXTENSIONS_FILE ?? '' } as GatewayConfig);
  const pass = new PiiConversionPass(db, new ScimResourceStore(db, vault), (data) => normalizeForSearch(data, engine.resolver('User')));
  const total = await pass.pending(tenantId);
  if (!opts.json) note(`${on ? 'encrypting' : 'decrypting'} the PII of up to ${total} user(s)`);
  const bar = progressBar(on ? 'encrypting' : 'decrypting', total, opts);
  try {
    return { changed, pass: await pass.run(tenantId, batchSize, (n) => bar.tick(n)) };
  } catch (err) {
    if (err instanceof PiiConversionInterruptedError) throw new CliFailure(err.message);
    // A row the ring cannot open (its key was removed): say so; the rows done so far stay done.
    if (err instanceof ScimError) throw new CliFailure(`${err.message}; add the key back to the ring and run the command again`);
    throw err;
  } finally {
    bar.stop();
  }
}

/** `idsync tenant create|list|update`: tenants, one per identity-provider connection. */
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
      const encrypting = new Set(((await db.query('SELECT id::text FROM tenants WHERE encrypt_pii')) as Array<{ id: string }>).map((r) => r.id));
      printResult(
        opts.json,
        tenants.map((t) => ({ ...t, encryptPii: encrypting.has(t.id) })),
        formatTable(tenants.map((t) => ({ id: t.id, name: t.name, created: t.createdAt, 'encrypt-pii': encrypting.has(t.id) ? 'on' : 'off' }))),
      );
    });
  });

  withJsonOption(
    tenant
      .command('update <tenant>')
      .description("Change a tenant's settings: --encrypt-pii on|off stores its users' non-searchable PII encrypted (or in clear again) and converts the existing rows while SCIM traffic continues (resumable: run it again after an interruption); IDSYNC_KEYS_FILE or IDSYNC_KEYS")
      .requiredOption('--encrypt-pii <on|off>', 'store phone numbers, addresses, photos, ims, certificates, manager, employee number and cost center encrypted', onOff)
      .option('--batch-size <n>', 'rows per batch (each batch is one transaction)', positiveInteger, 100),
  ).action(async (ref: string, opts: JsonOption & { encryptPii: boolean; batchSize: number }) => {
    await withDb(async (db) => {
      const found = await new TenantService(db).findByNameOrId(ref);
      if (!found) throw new CliFailure(`no tenant ${ref}`);
      const { changed, pass } = await updateEncryptPii(db, found.id, opts.encryptPii, opts.batchSize, opts);
      printResult(
        opts.json,
        { id: found.id, name: found.name, encryptPii: opts.encryptPii, changed, ...pass },
        `tenant ${found.name}: encrypt-pii ${opts.encryptPii ? 'on' : 'off'}${changed ? '' : ' (already)'}; ${pass.converted} user(s) ${pass.direction}ed, ${pass.unchanged} without encrypted attributes`,
      );
    });
  });
}
