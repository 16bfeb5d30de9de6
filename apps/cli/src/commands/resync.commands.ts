import { Command } from 'commander';
import { CliUsageError, note, printResult, withJsonOption, type JsonOption } from '../cli-support';
import { tenantIdOf, webhookApi, withWebhookApiOption, type WebhookApiOption } from './webhook-admin-api';

// `idsync subscription resync <id> --tenant T`: onboarding a new target system — queue the current
// state of every resource the subscription selects, to that subscription only (docs/WEBHOOKS.md,
// "Full re-sync of a subscription"). A client of webhook-delivery's admin API, like the rest of the
// subscription group; repeating it (or re-running one that was interrupted) duplicates nothing.

interface ResyncFlags extends JsonOption, WebhookApiOption {
  tenant: string;
}

export interface ResyncResultView {
  subscriptionId: string;
  resources: number;
  filteredOut: number;
  enqueued: number;
  alreadyQueued: number;
  batches: number;
}

export function registerResyncCommands(program: Command): void {
  const subscription = program.commands.find((c) => c.name() === 'subscription') ?? program.command('subscription').description('Webhook subscriptions of a tenant');
  withWebhookApiOption(
    withJsonOption(
      subscription
        .command('resync <id>')
        .description('send the current state of every matching resource to this subscription only (idsync.user.snapshot / idsync.group.snapshot)')
        .requiredOption('--tenant <id|name>', 'tenant id (or name, looked up in DATABASE_URL)'),
    ),
  ).action(async (id: string, flags: ResyncFlags) => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new CliUsageError(`not a subscription id: ${id}`);
    const tenantId = await tenantIdOf(flags.tenant);
    if (!flags.json) note(`re-syncing subscription ${id}: reading the current-state topics and queueing snapshots…`);
    const result = await webhookApi(flags)<ResyncResultView>('POST', `/admin/subscriptions/${id}/resync?tenantId=${encodeURIComponent(tenantId)}`);
    printResult(
      flags.json,
      result,
      `${result.enqueued} snapshot deliveries queued for subscription ${result.subscriptionId} (${result.resources} resources, ${result.filteredOut} filtered out, ${result.alreadyQueued} already queued by an earlier re-sync; ${result.batches} batches)`,
    );
  });
}
