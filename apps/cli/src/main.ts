import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { CliExit, CliUsageError, EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './cli-support';
import { registerTenantCommands } from './commands/tenant.commands';
import { registerTokenCommands } from './commands/token.commands';
import { registerDeadLetterCommands } from './commands/deadletter.commands';
import { registerSubscriptionCommands } from './commands/subscription.commands';
import { registerDeliveryCommands } from './commands/delivery.commands';
import { registerReconcileCommands } from './commands/reconcile.commands';
import { registerResyncCommands } from './commands/resync.commands';
import { registerStatusCommands } from './commands/status.commands';
import { registerAuditCommands } from './commands/audit.commands';
import { registerEventsCommands } from './commands/events.commands';
import { registerOktaCommands } from './commands/okta.commands';
import { registerSubjectCommands } from './commands/subject.commands';
import { registerExportCommands } from './commands/export.commands';
import { registerAdminTokenCommands } from './commands/admin-token.commands';
import { registerAccessCommands } from './commands/access.commands';
import { registerKeysCommands } from './commands/keys.commands';

// `idsync …` / `npm run -s cli -- …`: the one operator CLI. Each command group lives in
// commands/<group>.commands.ts and exports register<Group>Commands(program). Exit codes
// (docs/CLI.md): 0 ok, 1 the operation failed, 2 bad usage.

/** The whole command tree (also walked by the docs test, so every command is documented). */
export function buildProgram(): Command {
  const program = new Command('idsync')
    .description('Operate idsync: tenants, tokens, webhooks, deliveries, dead letters, events and health')
    .exitOverride()
    .showHelpAfterError();
  registerTenantCommands(program);
  registerTokenCommands(program);
  registerDeadLetterCommands(program);
  registerSubscriptionCommands(program);
  registerDeliveryCommands(program);
  registerReconcileCommands(program);
  registerResyncCommands(program);
  registerStatusCommands(program);
  registerAuditCommands(program);
  registerEventsCommands(program);
  registerOktaCommands(program);
  registerSubjectCommands(program);
  registerExportCommands(program);
  registerAdminTokenCommands(program);
  registerAccessCommands(program);
  registerKeysCommands(program);
  // Every subcommand inherits exitOverride, so usage errors anywhere come back as CommanderError.
  const inherit = (command: Command) => command.commands.forEach((sub) => inherit(sub.exitOverride()));
  inherit(program);
  return program;
}

/** Runs one invocation and returns its exit code (never calls process.exit itself). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    if (err instanceof CliExit) return err.exitCode;
    process.stderr.write(`idsync: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof CliUsageError ? EXIT_USAGE : EXIT_FAILED;
  }
}

/**
 * Exits once stdout and stderr are flushed: when they are pipes (`idsync … --json | jq`) writes are
 * asynchronous, and a bare process.exit() could cut the JSON short. exit() rather than exitCode so
 * that a Kafka or pg client's leftover timers cannot hold the shell.
 */
export function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then(exitWhenFlushed);
}
