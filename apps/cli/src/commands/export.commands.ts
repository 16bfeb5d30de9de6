import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { MaskedTenantExporter } from '../privacy/masked-tenant-export';
import { CliFailure, CliUsageError, note, resolveTenant, withDb, withJsonOption, type JsonOption } from '../cli-support';

/** `idsync export --tenant T --masked`: a pseudonymised copy of a tenant for staging. */
export function registerExportCommands(program: Command): void {
  // The output is one JSON document either way; --json is accepted for uniformity.
  withJsonOption(program.command('export'))
    .description("Write a tenant's users, groups, memberships and subscriptions (no secrets) with personal data pseudonymised, for staging")
    .requiredOption('--tenant <name>', 'tenant name or id')
    .option('--masked', 'pseudonymise names, emails, phones and external ids (required: unmasked exports are not offered)')
    .option('--seed <seed>', 'derive the pseudonym key from this seed (reproducible); default a random key per export')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: JsonOption & { tenant: string; masked?: boolean; seed?: string; out?: string }) => {
      if (!opts.masked) throw new CliUsageError('only masked exports are offered: pass --masked (use `idsync subject export` for one person)');
      await withDb(async (db) => {
        const tenant = await resolveTenant(db, opts.tenant);
        const doc = await new MaskedTenantExporter(db).export(tenant, opts.seed);
        // --json: one compact line (scripts); otherwise indented for reading.
        const text = `${opts.json ? JSON.stringify(doc) : JSON.stringify(doc, null, 2)}\n`;
        if (opts.out) {
          await writeFile(opts.out, text, { mode: 0o600 }).catch((err: Error) => Promise.reject(new CliFailure(`cannot write ${opts.out}: ${err.message}`)));
          note(`exported ${doc.users.length} user(s), ${doc.groups.length} group(s), ${doc.subscriptions.length} subscription(s) of tenant ${tenant.name} (masked) to ${opts.out}`);
        } else {
          process.stdout.write(text);
        }
      });
    });
}
