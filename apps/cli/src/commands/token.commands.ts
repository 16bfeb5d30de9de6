import { Command } from 'commander';
import { ScimTokenService } from '../../../scim-gateway/src/tenants/scim-token.service';
import { CliFailure, formatTable, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

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
      const issued = await new ScimTokenService(db).issue(t.id, opts.description);
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
        if (!(await new ScimTokenService(db).revoke(id))) throw new CliFailure(`no active token with id ${id}`);
        printResult(opts.json, { id, revoked: true }, `revoked token ${id}`);
      });
    },
  );
}
