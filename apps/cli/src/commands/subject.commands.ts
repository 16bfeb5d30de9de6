import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { Command } from 'commander';
import { DataSubjectService, SubjectBusyError, SubjectNotFoundError, type ErasureReport, type SubjectRef } from '../privacy/data-subject.service';
import { CliFailure, CliUsageError, cliActorId, formatTable, note, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

// `idsync subject export|erase`: data-subject rights (docs/COMPLIANCE.md). export writes everything
// held about one person as one JSON document; erase removes or anonymises it everywhere idsync
// controls and queues idsync.user.erased.

interface SubjectOptions extends JsonOption {
  tenant: string;
  userId?: string;
  userName?: string;
  externalId?: string;
}

function subjectRef(opts: SubjectOptions): SubjectRef {
  const given = [opts.userId, opts.userName, opts.externalId].filter((v) => v !== undefined);
  if (given.length !== 1) throw new CliUsageError('name the person by exactly one of --user-id, --user-name, --external-id');
  return { userId: opts.userId, userName: opts.userName, externalId: opts.externalId };
}

function withSubjectOptions(command: Command): Command {
  return command
    .requiredOption('--tenant <name>', 'tenant name or id')
    .option('--user-id <id>', "the user's SCIM id")
    .option('--user-name <userName>', "the user's userName (case-insensitive)")
    .option('--external-id <externalId>', "the user's externalId (the IdP's id)");
}

function translated(err: unknown): never {
  if (err instanceof SubjectNotFoundError || err instanceof SubjectBusyError) throw new CliFailure(err.message);
  throw err;
}

function describeErasure(r: ErasureReport): string {
  const rows = [...Object.entries(r.erased).map(([what, n]) => ({ what, rows: n })), ...Object.entries(r.kept).map(([what, n]) => ({ what: `kept: ${what}`, rows: n }))];
  return [
    `erased user ${r.resourceId} in tenant ${r.tenantId} (erasure ${r.erasureId})`,
    formatTable(rows),
    r.eventPublished ? 'idsync.user.erased queued; the worker publishes user.deleted and the users-topic tombstone' : 'the user was already gone: traces cleaned, no event',
  ].join('\n');
}

async function confirmed(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** `idsync subject …` */
export function registerSubjectCommands(program: Command): void {
  const subject = program.command('subject').description('Data-subject rights for one person: export everything held about them, or erase it; DATABASE_URL');

  // The output is one JSON document either way; --json is accepted for uniformity.
  withJsonOption(
    withSubjectOptions(subject.command('export').description('Everything held about one person (resource, memberships, audit, outbox, deliveries, hook events, ledger) as one JSON document')),
  )
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: SubjectOptions & { out?: string }) => {
      const ref = subjectRef(opts);
      await withDb(async (db) => {
        const tenant = await resolveTenant(db, opts.tenant);
        const doc = await new DataSubjectService(db).export(tenant.id, ref).catch(translated);
        // --json: one compact line (scripts); otherwise indented for reading.
        const text = `${opts.json ? JSON.stringify(doc) : JSON.stringify(doc, null, 2)}\n`;
        if (opts.out) {
          // 0600: the file holds the person's data.
          await writeFile(opts.out, text, { mode: 0o600 }).catch((err: Error) => Promise.reject(new CliFailure(`cannot write ${opts.out}: ${err.message}`)));
          note(`exported subject ${(doc.subject as { resourceId: string }).resourceId} of tenant ${tenant.name} to ${opts.out}`);
        } else {
          process.stdout.write(text);
        }
      });
    });

  withJsonOption(
    withSubjectOptions(subject.command('erase').description('Erase one person everywhere idsync controls (delete, scrub audit diffs, outbox, deliveries); queues idsync.user.erased')).option(
      '--yes',
      'do not ask for confirmation (required when stdin is not a terminal)',
    ),
  ).action(async (opts: SubjectOptions & { yes?: boolean }) => {
    const ref = subjectRef(opts);
    if (!opts.yes && !(await confirmed('Erase this person irreversibly?'))) throw new CliFailure('not confirmed (pass --yes to erase without asking)');
    await withDb(async (db) => {
      const tenant = await resolveTenant(db, opts.tenant);
      const report = await new DataSubjectService(db).erase(tenant.id, ref, cliActorId()).catch(translated);
      printResult(opts.json, report, describeErasure(report));
    });
  });
}
