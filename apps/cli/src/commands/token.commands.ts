import { Command } from 'commander';
import { AuditWriter } from '@idsync/audit';
import { ScimTokenService } from '../../../scim-gateway/src/tenants/scim-token.service';
import { CliFailure, cliActorId, formatTable, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

/** `idsync token create|list|revoke`: SCIM bearer tokens (only their hashes are stored). */
export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('SCIM bearer tokens an identity provider uses; DATABASE_URL');

  withJsonOption(
    token
      .command('create')
      .description('Issue a SCIM token for a tenant (shown once; only its hash is stored)')
      .requiredOption('--tenant <name>', 'tenant name or id')
      .option('--description <text>', 'what the token is for (e.g. "Okta production")'),
  ).action(async (opts: JsonOption & { tenant: string; description?: string }) => {
    await withDb(async (db) => {
      const t = await resolveTenant(db, opts.tenant);
      // The token and its audit record commit together (docs/AUDIT.md).
      const issued = await db.transaction(async (tx) => {
        const created = await new ScimTokenService(db).issue(t.id, opts.description, tx);
        await AuditWriter.record(tx, { tenantId: t.id, actorType: 'cli', actorId: cliActorId(), action: 'token.issue', resourceType: 'ScimToken', resourceId: created.id });
        return created;
      });
      printResult(
        opts.json,
        { id: issued.id, tenantId: t.id, token: issued.token },
        `token ${issued.id} for tenant ${t.name}:\n\n  ${issued.token}\n\nStore it now: it cannot be shown again.`,
      );
    });
  });

  withJsonOption(token.command('list').description('List tokens (never their values)').option('--tenant <name>', 'only this tenant (name or id)')).action(
    async (opts: JsonOption & { tenant?: string }) => {
      await withDb(async (db) => {
        const t = opts.tenant ? await resolveTenant(db, opts.tenant) : undefined;
        const tokens = await new ScimTokenService(db).list(t?.id);
        printResult(
          opts.json,
          tokens,
          formatTable(tokens.map((x) => ({ id: x.id, tenant: x.tenantId, description: x.description, lastUsed: x.lastUsedAt, revoked: x.revokedAt }))),
        );
      });
    },
  );

  withJsonOption(token.command('revoke <id>').description('Revoke a token (takes effect within seconds on every replica)')).action(
    async (id: string, opts: JsonOption) => {
      await withDb(async (db) => {
        await db.transaction(async (tx) => {
          const [row] = (await tx.query('SELECT tenant_id FROM scim_tokens WHERE id::text = $1', [id])) as Array<{ tenant_id: string }>;
          if (!row || !(await new ScimTokenService(db).revoke(id, tx))) throw new CliFailure(`no active token with id ${id}`);
          await AuditWriter.record(tx, { tenantId: row.tenant_id, actorType: 'cli', actorId: cliActorId(), action: 'token.revoke', resourceType: 'ScimToken', resourceId: id });
        });
        printResult(opts.json, { id, revoked: true }, `revoked token ${id}`);
      });
    },
  );
}
