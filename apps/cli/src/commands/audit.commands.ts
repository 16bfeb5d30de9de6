import { open } from 'node:fs/promises';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Command, InvalidArgumentError } from 'commander';
import { AuditChainVerifier, AuditLogReader, loadCheckpointPublicKey, type AuditVerificationReport, type ChainBreak } from '@idsync/audit';
import { CliExit, CliFailure, EXIT_FAILED, note, printResult, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

// `idsync audit verify|export`: the tamper-evident audit trail (docs/AUDIT.md). verify recomputes
// the hash chains and exits 1 naming the first broken link; export writes JSON Lines in chain order.

function isoTime(raw: string): Date {
  const date = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(date.getTime())) throw new InvalidArgumentError('must be an ISO 8601 time, e.g. 2026-01-31T00:00:00Z');
  return date;
}

function describeBreak(b: ChainBreak): string {
  return `first broken link: tenant ${b.tenantId ?? '(system)'} seq ${b.seq}${b.id ? ` (audit_log id ${b.id})` : ''}: ${b.kind}\n  expected ${b.expected}\n  found    ${b.found}`;
}

function describeReport(r: AuditVerificationReport): string {
  const lines = [`${r.ok ? 'audit trail intact' : 'AUDIT TRAIL BROKEN'}: ${r.records} records in ${r.chains.length} chain(s)`];
  if (r.firstBreak) lines.push(describeBreak(r.firstBreak));
  for (const m of r.checkpointMismatches) lines.push(`checkpoint mismatch: tenant ${m.tenantId ?? '(system)'} seq ${m.seq}: ${m.kind}\n  expected ${m.expected}\n  found    ${m.found}`);
  const signatures = r.chains.reduce((n, c) => n + c.signaturesChecked, 0);
  const checkpoints = r.chains.reduce((n, c) => n + c.checkpointsChecked, 0);
  lines.push(`checkpoints matched against records: ${checkpoints}; signatures checked: ${signatures}`);
  // Committed but not linked yet: normally gone within milliseconds; if it stays, chaining has stalled.
  if (r.pending > 0) lines.push(`records not chained yet (not verified): ${r.pending}`);
  return lines.join('\n');
}

async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, 'drain');
}

/** `idsync audit …` */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('The tamper-evident audit trail: verify the hash chains, export records; DATABASE_URL');

  withJsonOption(
    audit
      .command('verify')
      .description('Recompute the hash chains (all tenants, or one) and check heads and checkpoints; exit 1 with the first broken link')
      .option('--tenant <name>', 'only this tenant (name or id)')
      .option('--public-key <file>', 'Ed25519 key (PEM) that signed the checkpoints; default AUDIT_SIGNING_KEY_FILE if set'),
  ).action(async (opts: JsonOption & { tenant?: string; publicKey?: string }) => {
    const keyFile = opts.publicKey ?? process.env.AUDIT_SIGNING_KEY_FILE;
    let publicKey;
    try {
      publicKey = keyFile ? loadCheckpointPublicKey(keyFile) : undefined;
    } catch (err) {
      throw new CliFailure(`cannot read the checkpoint key: ${(err as Error).message}`);
    }
    const report = await withDb(async (db) => {
      const tenantId = opts.tenant ? (await resolveTenant(db, opts.tenant)).id : undefined;
      if (!opts.json) note('verifying…');
      return new AuditChainVerifier(db).verify({ tenantId, publicKey });
    });
    printResult(opts.json, report, describeReport(report));
    if (!report.ok) throw new CliExit(EXIT_FAILED);
  });

  audit
    .command('export')
    .description("Write a tenant's audit records as JSON Lines, in chain order")
    .requiredOption('--tenant <name>', 'tenant name or id')
    .option('--from <time>', 'records at or after this time (ISO 8601)', isoTime)
    .option('--to <time>', 'records before this time (ISO 8601)', isoTime)
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: { tenant: string; from?: Date; to?: Date; out?: string }) => {
      await withDb(async (db) => {
        const tenant = await resolveTenant(db, opts.tenant);
        const file = opts.out ? await open(opts.out, 'w').catch((err: Error) => Promise.reject(new CliFailure(`cannot write ${opts.out}: ${err.message}`))) : undefined;
        const out: Writable = file ? file.createWriteStream() : process.stdout;
        let count = 0;
        try {
          for await (const record of new AuditLogReader(db).stream({ tenantId: tenant.id, from: opts.from, to: opts.to })) {
            await write(out, `${JSON.stringify(record)}\n`);
            count++;
          }
        } finally {
          if (file) {
            out.end();
            await once(out, 'close');
          }
        }
        note(`exported ${count} audit record(s) of tenant ${tenant.name}${opts.out ? ` to ${opts.out}` : ''}`);
      });
    });
}
