import { Command, InvalidArgumentError } from 'commander';
import { CliUsageError, collect, formatTable, positiveInteger, printResult, queryString, withJsonOption, type JsonOption } from '../cli-support';
import { tenantIdOf, webhookApi, withWebhookApiOption, type SubscriptionView, type WebhookApiOption } from './webhook-admin-api';

type Common = JsonOption & WebhookApiOption & { tenant: string };

function headerMap(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new CliUsageError(`--header expects name=value (got "${pair}")`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

function nonNegativeInteger(raw: string): number {
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number of seconds');
  return n;
}

/** A leaf command with the options every subscription command shares. */
function leaf(parent: Command, spec: string, description: string): Command {
  return withWebhookApiOption(withJsonOption(parent.command(spec).description(description).requiredOption('--tenant <id|name>', 'tenant id (or name, looked up in DATABASE_URL)')));
}

function subscriptionTable(subs: SubscriptionView[]): string {
  return formatTable(subs.map((s) => ({ id: s.id, url: s.url, events: s.eventTypes.join(','), enabled: s.enabled, disabled: s.disabledReason ?? '' })));
}

function describeSubscription(s: SubscriptionView): string {
  return [
    `${s.id} → ${s.url}`,
    `  events:  ${s.eventTypes.join(', ')}`,
    `  enabled: ${s.enabled}${s.disabledReason ? ` (${s.disabledReason})` : ''}`,
    ...(s.description ? [`  description: ${s.description}`] : []),
  ].join('\n');
}

const path = (id: string, action = '') => `/admin/subscriptions/${encodeURIComponent(id)}${action}`;

/** `idsync subscription …`: a tenant's webhook endpoints, through webhook-delivery's admin API. */
export function registerSubscriptionCommands(program: Command): void {
  const subscription = program.command('subscription').description("Webhook subscriptions of a tenant (webhook-delivery's admin API; ADMIN_API_TOKEN)");

  leaf(subscription, 'create', 'Create a subscription; prints its signing secret once')
    .requiredOption('--url <url>', 'endpoint URL (https)')
    .requiredOption('--event-type <type>', 'event type or wildcard (idsync.user.*); repeatable', collect)
    .option('--description <text>', 'what the endpoint is')
    .option('--max-concurrency <n>', 'attempts in flight at once', positiveInteger)
    .option('--rate-limit <perSecond>', 'attempts started per second', positiveInteger)
    .option('--header <name=value>', 'custom request header; repeatable', collect)
    .option('--filter <scimFilter>', 'resource filter, e.g. groups[value eq "<group id>"]')
    .option('--ordered', 'deliver each resource’s events in order')
    .action(
      async (
        o: Common & { url: string; eventType: string[]; description?: string; maxConcurrency?: number; rateLimit?: number; header?: string[]; filter?: string; ordered?: boolean },
      ) => {
        const customHeaders = headerMap(o.header);
        const created = await webhookApi(o)<SubscriptionView & { secret: string }>('POST', '/admin/subscriptions', {
          tenantId: await tenantIdOf(o.tenant),
          url: o.url,
          eventTypes: o.eventType,
          description: o.description,
          maxConcurrency: o.maxConcurrency,
          rateLimitPerSecond: o.rateLimit,
          customHeaders,
          resourceFilter: o.filter,
          orderedDelivery: o.ordered,
        });
        printResult(o.json, created, `subscription ${created.id} → ${created.url}\n\n  ${created.secret}\n\nStore the signing secret now: it cannot be shown again.`);
      },
    );

  leaf(subscription, 'list', 'List the subscriptions of a tenant').action(async (o: Common) => {
    const subs = await webhookApi(o)<SubscriptionView[]>('GET', `/admin/subscriptions${queryString({ tenantId: await tenantIdOf(o.tenant) })}`);
    printResult(o.json, subs, subscriptionTable(subs));
  });

  leaf(subscription, 'show <id>', 'Show one subscription (never its secret)').action(async (id: string, o: Common) => {
    const sub = await webhookApi(o)<SubscriptionView>('GET', `${path(id)}${queryString({ tenantId: await tenantIdOf(o.tenant) })}`);
    printResult(o.json, sub, describeSubscription(sub));
  });

  leaf(subscription, 'update <id>', 'Change a subscription; only the given fields change')
    .option('--url <url>', 'new endpoint URL')
    .option('--event-type <type>', 'replace the event types; repeatable', collect)
    .option('--description <text>', 'new description')
    .option('--max-concurrency <n>', 'attempts in flight at once', positiveInteger)
    .option('--rate-limit <perSecond>', 'attempts started per second', positiveInteger)
    .option('--no-rate-limit', 'remove the rate limit')
    .option('--header <name=value>', 'replace the custom headers; repeatable', collect)
    .option('--filter <scimFilter>', 'new resource filter')
    .option('--no-filter', 'remove the resource filter')
    .option('--ordered', 'deliver each resource’s events in order')
    .option('--unordered', 'deliver without per-resource ordering')
    .action(
      async (
        id: string,
        o: Common & { url?: string; eventType?: string[]; description?: string; maxConcurrency?: number; rateLimit?: number | false; header?: string[]; filter?: string | false; ordered?: boolean; unordered?: boolean },
      ) => {
        if (o.ordered && o.unordered) throw new CliUsageError('give --ordered or --unordered, not both');
        const changes = {
          url: o.url,
          eventTypes: o.eventType,
          description: o.description,
          maxConcurrency: o.maxConcurrency,
          // commander sets a --no-x option's value to false; the API removes a field on null.
          rateLimitPerSecond: o.rateLimit === false ? null : o.rateLimit,
          customHeaders: headerMap(o.header),
          resourceFilter: o.filter === false ? null : o.filter,
          orderedDelivery: o.ordered ? true : o.unordered ? false : undefined,
        };
        if (Object.values(changes).every((v) => v === undefined)) throw new CliUsageError('nothing to change: give at least one option (see --help)');
        const updated = await webhookApi(o)<SubscriptionView>('PATCH', `${path(id)}${queryString({ tenantId: await tenantIdOf(o.tenant) })}`, changes);
        printResult(o.json, updated, `updated\n${describeSubscription(updated)}`);
      },
    );

  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    leaf(subscription, `${name} <id>`, enabled ? 'Enable a subscription (also after an automatic disable)' : 'Stop delivering to a subscription (kept, can be enabled again)').action(
      async (id: string, o: Common) => {
        const updated = await webhookApi(o)<SubscriptionView>('PATCH', `${path(id)}${queryString({ tenantId: await tenantIdOf(o.tenant) })}`, { enabled });
        printResult(o.json, updated, `subscription ${updated.id} ${updated.enabled ? 'enabled' : 'disabled'}`);
      },
    );
  }

  leaf(subscription, 'rotate-secret <id>', 'Issue a new signing secret; the old one keeps signing for the grace period')
    .option('--grace-seconds <n>', 'grace period (default: the service’s WEBHOOK_SECRET_ROTATION_GRACE_SECONDS)', nonNegativeInteger)
    .action(async (id: string, o: Common & { graceSeconds?: number }) => {
      const rotated = await webhookApi(o)<{ secret: string; previousSecretExpiresAt: string }>(
        'POST',
        `${path(id, '/rotate-secret')}${queryString({ tenantId: await tenantIdOf(o.tenant) })}`,
        { gracePeriodSeconds: o.graceSeconds },
      );
      printResult(o.json, rotated, `new signing secret (the previous one signs until ${rotated.previousSecretExpiresAt}):\n\n  ${rotated.secret}`);
    });

  leaf(subscription, 'delete <id>', 'Delete a subscription (disable keeps it; delete cannot be undone)')
    .option('--yes', 'really delete (required: there is no undo)')
    .action(async (id: string, o: Common & { yes?: boolean }) => {
      if (!o.yes) throw new CliUsageError('deleting cannot be undone: add --yes (or use `subscription disable`)');
      await webhookApi(o)<unknown>('DELETE', `${path(id)}${queryString({ tenantId: await tenantIdOf(o.tenant) })}`);
      printResult(o.json, { id, deleted: true }, `deleted subscription ${id}`);
    });
}

