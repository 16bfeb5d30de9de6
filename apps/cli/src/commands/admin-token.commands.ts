import { Command } from 'commander';
import { AuditWriter } from '@idsync/audit';
import { AdminTokenStore, ADMIN_ROLES, isAdminRole, parseDuration } from '@idsync/platform';
import { CliFailure, CliUsageError, cliActorId, formatTable, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

/**
 * `idsync admin-token create|list|revoke`: credentials of the admin APIs, with a role each
 * (docs/SECURITY.md). Needs only DATABASE_URL, so this is how the first admin token is made.
 */
export function registerAdminTokenCommands(program: Command): void {
  const adminToken = program.command('admin-token').description('Admin API tokens with a role (admin, operator, auditor, tenant-admin); DATABASE_URL');

  withJsonOption(
    adminToken
      .command('create')
      .description('Issue an admin token (shown once; only its SHA-256 is stored)')
      .requiredOption('--name <name>', 'who or what holds it (the subject just-in-time grants name), e.g. "alice@corp.example" or "ci-deploy"')
      .requiredOption('--role <role>', `one of ${ADMIN_ROLES.join(', ')}`)
      .option('--tenant <name|id>', 'the one tenant of a tenant-admin token (required for that role, refused for others)')
      .option('--description <text>', 'what the token is for')
      .option('--expires-in <duration>', 'lifetime such as 90d, 12h or 30m (default: no expiry)'),
  ).action(async (opts: JsonOption & { name: string; role: string; tenant?: string; description?: string; expiresIn?: string }) => {
    if (!isAdminRole(opts.role)) throw new CliUsageError(`--role must be one of ${ADMIN_ROLES.join(', ')}`);
    if ((opts.role === 'tenant-admin') !== (opts.tenant !== undefined)) throw new CliUsageError('--tenant is required for the tenant-admin role and only for it');
    const name = opts.name.trim();
    if (name.length === 0 || name.length > 200) throw new CliUsageError('--name must be 1 to 200 characters');
    const lifetime = opts.expiresIn === undefined ? undefined : parseDuration(opts.expiresIn);
    if (opts.expiresIn !== undefined && lifetime === undefined) throw new CliUsageError('--expires-in must look like 90d, 12h or 30m');
    const role = opts.role;
    await withDb(async (db) => {
      const tenant = opts.tenant ? await resolveTenant(db, opts.tenant) : undefined;
      const expiresAt = lifetime === undefined ? null : new Date(Date.now() + lifetime);
      // The token and its audit record commit together; the record never holds the token value.
      const created = await db
        .transaction(async (tx) => {
          const issued = await new AdminTokenStore(db).create({ name, description: opts.description, role, tenantId: tenant?.id ?? null, expiresAt, createdBy: cliActorId() }, tx);
          await AuditWriter.record(tx, { tenantId: issued.tenantId, actorType: 'cli', actorId: cliActorId(), action: 'admin_token.issue', resourceType: 'AdminToken', resourceId: issued.id, details: { name, role, expiresAt: issued.expiresAt } });
          return issued;
        })
        .catch((err: { code?: string }) => {
          if (err.code === '23505') throw new CliFailure(`an active admin token named "${name}" exists; revoke it or pick another name`);
          throw err;
        });
      printResult(opts.json, created, `admin token ${created.id} (${name}, ${role}${tenant ? ` of ${tenant.name}` : ''}):\n\n  ${created.token}\n\nStore it now: it cannot be shown again.`);
    });
  });

  withJsonOption(adminToken.command('list').description('List admin tokens (never their values)').option('--all', 'include revoked tokens')).action(async (opts: JsonOption & { all?: boolean }) => {
    await withDb(async (db) => {
      const tokens = await new AdminTokenStore(db).list(opts.all);
      printResult(
        opts.json,
        tokens,
        formatTable(tokens.map((t) => ({ id: t.id, name: t.name, role: t.role, tenant: t.tenantId, expires: t.expiresAt, lastUsed: t.lastUsedAt, revoked: t.revokedAt }))),
      );
    });
  });

  withJsonOption(adminToken.command('revoke <id-or-name>').description('Revoke an admin token (refused from the next request on)')).action(async (ref: string, opts: JsonOption) => {
    await withDb(async (db) => {
      const revoked = await db.transaction(async (tx) => {
        const token = await new AdminTokenStore(db).revoke(ref, tx);
        if (!token) throw new CliFailure(`no active admin token "${ref}"`);
        await AuditWriter.record(tx, { tenantId: token.tenantId, actorType: 'cli', actorId: cliActorId(), action: 'admin_token.revoke', resourceType: 'AdminToken', resourceId: token.id, details: { name: token.name, role: token.role } });
        return token;
      });
      printResult(opts.json, { id: revoked.id, name: revoked.name, revoked: true }, `revoked admin token ${revoked.id} (${revoked.name})`);
    });
  });
}
