import { Command } from 'commander';
import { AccessGrantStore, ADMIN_ROLES, isAdminRole, parseDuration } from '@idsync/platform';
import { CliFailure, CliUsageError, cliActorId, formatTable, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

/** Longest just-in-time grant: elevation is for an incident or a change, not a standing role. */
const MAX_GRANT_MS = 7 * 86_400_000;

/**
 * `idsync access grant|list|revoke`: just-in-time elevation. A grant adds a role to a subject
 * (an admin token's name; a signed-in person's subject) until it expires by itself. Grants,
 * revocations and lapses are in the audit trail.
 */
export function registerAccessCommands(program: Command): void {
  const access = program.command('access').description('Just-in-time role grants for a bounded time (audited); DATABASE_URL');

  withJsonOption(
    access
      .command('grant')
      .description('Grant a role to a subject for a bounded time')
      .requiredOption('--subject <subject>', 'who: an admin token name or a signed-in subject, e.g. alice@corp.example')
      .requiredOption('--role <role>', `one of ${ADMIN_ROLES.join(', ')}`)
      .requiredOption('--for <duration>', 'how long, e.g. 2h, 30m, 1d (at most 7d)')
      .requiredOption('--reason <text>', 'why (ticket or incident id); kept in the audit trail')
      .option('--tenant <name|id>', 'the tenant of a tenant-admin grant (required for that role, refused for others)'),
  ).action(async (opts: JsonOption & { subject: string; role: string; for: string; reason: string; tenant?: string }) => {
    if (!isAdminRole(opts.role)) throw new CliUsageError(`--role must be one of ${ADMIN_ROLES.join(', ')}`);
    if ((opts.role === 'tenant-admin') !== (opts.tenant !== undefined)) throw new CliUsageError('--tenant is required for the tenant-admin role and only for it');
    const durationMs = parseDuration(opts.for);
    if (durationMs === undefined || durationMs > MAX_GRANT_MS) throw new CliUsageError('--for must look like 2h, 30m or 1d, and be at most 7d');
    const subject = opts.subject.trim();
    const reason = opts.reason.trim();
    if (subject.length === 0 || subject.length > 200) throw new CliUsageError('--subject must be 1 to 200 characters');
    if (reason.length === 0 || reason.length > 500) throw new CliUsageError('--reason must be 1 to 500 characters');
    const role = opts.role;
    await withDb(async (db) => {
      const tenant = opts.tenant ? await resolveTenant(db, opts.tenant) : undefined;
      const grant = await new AccessGrantStore(db).grant({ subject, role, tenantId: tenant?.id ?? null, reason, durationMs }, { actorType: 'cli', actorId: cliActorId() });
      printResult(opts.json, grant, `granted ${grant.role} to ${grant.subject} until ${grant.expiresAt} (grant ${grant.id})`);
    });
  });

  withJsonOption(access.command('list').description('Grants in force (with --all, every grant); records the audit entry of any lapsed grant first').option('--all', 'include expired and revoked grants')).action(
    async (opts: JsonOption & { all?: boolean }) => {
      await withDb(async (db) => {
        const grants = new AccessGrantStore(db);
        await grants.recordLapsed();
        const list = await grants.list(opts.all);
        printResult(opts.json, list, formatTable(list.map((g) => ({ id: g.id, subject: g.subject, role: g.role, tenant: g.tenantId, expires: g.expiresAt, revoked: g.revokedAt, reason: g.reason }))));
      });
    },
  );

  withJsonOption(access.command('revoke <id>').description('End a grant now')).action(async (id: string, opts: JsonOption) => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new CliUsageError('<id> must be a grant id (see `idsync access list`)');
    await withDb(async (db) => {
      const grant = await new AccessGrantStore(db).revoke(id, { actorType: 'cli', actorId: cliActorId() });
      if (!grant) throw new CliFailure(`no grant in force with id ${id}`);
      printResult(opts.json, { id: grant.id, subject: grant.subject, role: grant.role, revoked: true }, `revoked grant ${grant.id} (${grant.role} for ${grant.subject})`);
    });
  });
}
