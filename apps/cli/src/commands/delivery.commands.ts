import { Command, InvalidArgumentError } from 'commander';
import { CliFailure, CliUsageError, formatTable, note, oneLine, positiveInteger, printResult, progressBar, queryString, withJsonOption, type JsonOption } from '../cli-support';
import { tenantIdOf, webhookApi, withWebhookApiOption, type DeliveryView, type WebhookApiOption } from './webhook-admin-api';

type Common = JsonOption & WebhookApiOption & { tenant: string };

/** Most deliveries one `replay --failed` requeues (the admin API's list limit). */
const MAX_REPLAY = 1000;

function isoTime(raw: string): string {
  if (Number.isNaN(Date.parse(raw))) throw new InvalidArgumentError('expected an ISO 8601 time, e.g. 2026-11-24T00:00:00Z');
  return raw;
}

function leaf(parent: Command, spec: string, description: string): Command {
  return withWebhookApiOption(withJsonOption(parent.command(spec).description(description).requiredOption('--tenant <id|name>', 'tenant id (or name, looked up in DATABASE_URL)')));
}

function deliveryTable(rows: DeliveryView[]): string {
  return formatTable(
    rows.map((d) => ({ id: d.id, type: d.eventType, status: d.status, attempts: d.attemptCount, last: d.lastStatusCode ?? oneLine(d.lastError, 60), created: d.createdAt })),
  );
}

interface ReplayOutcome {
  id: string;
  requeued: boolean;
  error?: string;
}

/** `idsync delivery …`: delivery records, their attempts, replay and recovery. */
export function registerDeliveryCommands(program: Command): void {
  const delivery = program.command('delivery').description("Webhook deliveries and their attempts; replay and recover (webhook-delivery's admin API; ADMIN_API_TOKEN)");

  leaf(delivery, 'list', 'List deliveries, newest first')
    .option('--subscription <id>', 'only this subscription')
    .option('--status <status>', 'pending, delivered or failed')
    .option('--event-type <type>', 'only this event type')
    .option('--since <time>', 'created at or after (ISO 8601)', isoTime)
    .option('--until <time>', 'created before (ISO 8601)', isoTime)
    .option('--limit <n>', 'at most this many (default 100, max 1000)', positiveInteger)
    .action(async (o: Common & { subscription?: string; status?: string; eventType?: string; since?: string; until?: string; limit?: number }) => {
      const rows = await webhookApi(o)<DeliveryView[]>(
        'GET',
        `/admin/deliveries${queryString({ tenantId: await tenantIdOf(o.tenant), subscriptionId: o.subscription, status: o.status, eventType: o.eventType, since: o.since, until: o.until, limit: o.limit })}`,
      );
      printResult(o.json, rows, deliveryTable(rows));
    });

  leaf(delivery, 'inspect <id>', 'Show one delivery with every attempt (time, duration, status code, error)')
    .alias('show')
    .action(async (id: string, o: Common) => {
      const d = await webhookApi(o)<DeliveryView & { attempts: Array<Record<string, unknown>> }>(
        'GET',
        `/admin/deliveries/${encodeURIComponent(id)}${queryString({ tenantId: await tenantIdOf(o.tenant) })}`,
      );
      const attempts = formatTable(d.attempts.map((a) => ({ n: a.attemptNumber, at: a.startedAt, ms: a.durationMs, status: a.statusCode, error: oneLine(a.error as string | null, 80) })));
      printResult(o.json, d, `${d.id} ${d.eventType} ${d.status} (subscription ${d.subscriptionId})\n${attempts}`);
    });

  leaf(delivery, 'replay [ids...]', 'Send deliveries again now (same webhook-id): the given ids, or every failed one matching --failed filters')
    .option('--failed', 'replay every failed delivery matching --subscription/--event-type/--since/--until')
    .option('--subscription <id>', 'with --failed: only this subscription')
    .option('--event-type <type>', 'with --failed: only this event type')
    .option('--since <time>', 'with --failed: created at or after (ISO 8601)', isoTime)
    .option('--until <time>', 'with --failed: created before (ISO 8601)', isoTime)
    .action(async (ids: string[], o: Common & { failed?: boolean; subscription?: string; eventType?: string; since?: string; until?: string }) => {
      if (!!o.failed === ids.length > 0) throw new CliUsageError('give delivery ids or --failed (with optional filters), not both');
      const api = webhookApi(o);
      const tenantId = await tenantIdOf(o.tenant);
      const targets = o.failed
        ? (
            await api<DeliveryView[]>(
              'GET',
              `/admin/deliveries${queryString({ tenantId, status: 'failed', subscriptionId: o.subscription, eventType: o.eventType, since: o.since, until: o.until, limit: MAX_REPLAY })}`,
            )
          ).map((d) => d.id)
        : ids;
      if (o.failed && targets.length === MAX_REPLAY) note(`replaying the newest ${MAX_REPLAY} failed deliveries; run again for the rest`);
      // One at a time: each replay is one row update, and an operator can stop it half-way.
      const outcomes: ReplayOutcome[] = [];
      const progress = progressBar('replaying', targets.length, o);
      try {
        for (const id of targets) {
          try {
            await api<DeliveryView>('POST', `/admin/deliveries/${encodeURIComponent(id)}/replay${queryString({ tenantId })}`);
            outcomes.push({ id, requeued: true });
          } catch (err) {
            if (!(err instanceof CliFailure)) throw err;
            outcomes.push({ id, requeued: false, error: err.message });
          }
          progress.tick();
        }
      } finally {
        progress.stop();
      }
      const failed = outcomes.filter((r) => !r.requeued);
      const human =
        targets.length === 1 && failed.length === 0
          ? `delivery ${targets[0]} requeued`
          : [`requeued ${outcomes.length - failed.length} of ${outcomes.length} deliveries`, ...failed.map((f) => `  ${f.id}: ${f.error}`)].join('\n');
      printResult(o.json, outcomes, human);
      if (failed.length > 0) throw new CliFailure(`${failed.length} of ${outcomes.length} replays were refused`);
    });

  leaf(delivery, 'recover', 'Replay every failed delivery of one subscription for events received since a time (after an outage)')
    .requiredOption('--subscription <id>', 'the subscription')
    .requiredOption('--since <time>', 'ISO 8601 time', isoTime)
    .action(async (o: Common & { subscription: string; since: string }) => {
      const result = await webhookApi(o)<{ requeued: number; deliveryIds?: string[] }>(
        'POST',
        `/admin/subscriptions/${encodeURIComponent(o.subscription)}/recover${queryString({ tenantId: await tenantIdOf(o.tenant), since: o.since })}`,
      );
      printResult(o.json, result, `requeued ${result.requeued} failed deliveries`);
    });
}
