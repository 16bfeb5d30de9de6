import { Command, CommanderError } from 'commander';
import { formatTable, printResult } from '@idsync/platform';

// Operator CLI for webhooks, a thin client of webhook-delivery's admin API (so validation,
// encryption of secrets and tenant scoping are exactly the API's):
//   node -r ./scripts/register.cjs apps/webhook-delivery/src/cli/main.ts <command> …
// Needs ADMIN_API_TOKEN, and WEBHOOK_ADMIN_URL (default http://127.0.0.1:3002) or --api.
// Contract like the `idsync` CLI: --json prints one JSON document on stdout; failures print a
// message on stderr and exit 1 (2 = bad usage).

class CliFailure extends Error {}

interface GlobalOptions {
  api?: string;
}



function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function headerMap(pairs: string[] | undefined): Record<string, string> | undefined {
  if (!pairs) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new CliFailure(`--header expects name=value (got "${pair}")`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** Calls the admin API; a non-2xx answer becomes a CliFailure with the API's message. */
async function api<T>(program: Command, method: string, path: string, body?: unknown): Promise<T> {
  const base = (program.opts<GlobalOptions>().api ?? process.env.WEBHOOK_ADMIN_URL ?? 'http://127.0.0.1:3002').replace(/\/$/, '');
  const token = process.env.ADMIN_API_TOKEN;
  if (!token) throw new CliFailure('ADMIN_API_TOKEN is not set');
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliFailure(`cannot reach webhook-delivery at ${base}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  const parsed = (text ? JSON.parse(text) : {}) as T & { message?: string | string[] };
  if (!res.ok) {
    const message = Array.isArray(parsed.message) ? parsed.message.join('; ') : (parsed.message ?? text);
    throw new CliFailure(`${res.status}: ${message}`);
  }
  return parsed;
}

const q = (params: Record<string, string | undefined>) =>
  `?${new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString()}`;

interface SubscriptionView {
  id: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  description: string | null;
}

interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventType: string;
  status: string;
  attemptCount: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
}

export function buildCli(): Command {
  const program = new Command('idsync-webhooks')
    .description('Operate webhook delivery: subscriptions, deliveries, replay')
    .option('--api <url>', 'webhook-delivery base URL (default $WEBHOOK_ADMIN_URL or http://127.0.0.1:3002)')
    .exitOverride()
    .showHelpAfterError();

  const subscription = program.command('subscription').description('Webhook subscriptions of a tenant');
  subscription
    .command('create')
    .description('Create a subscription; prints its signing secret once')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--url <url>', 'endpoint URL (https)')
    .requiredOption('--event-type <type>', 'event type or wildcard (idsync.user.*); repeatable', collect)
    .option('--description <text>')
    .option('--max-concurrency <n>', 'attempts in flight at once', (v) => Number(v))
    .option('--rate-limit <perSecond>', 'attempts started per second', (v) => Number(v))
    .option('--header <name=value>', 'custom request header; repeatable', collect)
    .option('--filter <scimFilter>', 'resource filter, e.g. groups[value eq "<group id>"]')
    .option('--ordered', 'deliver each resource’s events in order')
    .option('--json', 'print JSON')
    .action(async (o: { tenant: string; url: string; eventType: string[]; description?: string; maxConcurrency?: number; rateLimit?: number; header?: string[]; filter?: string; ordered?: boolean; json?: boolean }) => {
      const created = await api<SubscriptionView & { secret: string }>(program, 'POST', '/admin/subscriptions', {
        tenantId: o.tenant,
        url: o.url,
        eventTypes: o.eventType,
        description: o.description,
        maxConcurrency: o.maxConcurrency,
        rateLimitPerSecond: o.rateLimit,
        customHeaders: headerMap(o.header),
        resourceFilter: o.filter,
        orderedDelivery: o.ordered,
      });
      printResult(o.json, created, `subscription ${created.id} → ${created.url}\n\n  ${created.secret}\n\nStore the signing secret now: it cannot be shown again.`);
    });
  subscription
    .command('list')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--json', 'print JSON')
    .action(async (o: { tenant: string; json?: boolean }) => {
      const subs = await api<SubscriptionView[]>(program, 'GET', `/admin/subscriptions${q({ tenantId: o.tenant })}`);
      printResult(o.json, subs, formatTable(subs.map((s) => ({ id: s.id, url: s.url, events: s.eventTypes.join(','), enabled: s.enabled, disabled: s.disabledReason ?? '' }))));
    });
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    subscription
      .command(`${name} <id>`)
      .requiredOption('--tenant <id>', 'tenant id')
      .option('--json', 'print JSON')
      .action(async (id: string, o: { tenant: string; json?: boolean }) => {
        const updated = await api<SubscriptionView>(program, 'PATCH', `/admin/subscriptions/${encodeURIComponent(id)}${q({ tenantId: o.tenant })}`, { enabled });
        printResult(o.json, updated, `subscription ${updated.id} ${updated.enabled ? 'enabled' : 'disabled'}`);
      });
  }
  subscription
    .command('rotate-secret <id>')
    .description('Issue a new signing secret; the old one keeps signing for the grace period')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--grace-seconds <n>', 'grace period', (v) => Number(v))
    .option('--json', 'print JSON')
    .action(async (id: string, o: { tenant: string; graceSeconds?: number; json?: boolean }) => {
      const rotated = await api<{ secret: string; previousSecretExpiresAt: string }>(
        program,
        'POST',
        `/admin/subscriptions/${encodeURIComponent(id)}/rotate-secret${q({ tenantId: o.tenant })}`,
        { gracePeriodSeconds: o.graceSeconds },
      );
      printResult(o.json, rotated, `new signing secret (the previous one signs until ${rotated.previousSecretExpiresAt}):\n\n  ${rotated.secret}`);
    });
  subscription
    .command('recover <id>')
    .description('Replay every failed delivery of events received since a time')
    .requiredOption('--tenant <id>', 'tenant id')
    .requiredOption('--since <time>', 'ISO 8601 time')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { tenant: string; since: string; json?: boolean }) => {
      const result = await api<{ requeued: number }>(program, 'POST', `/admin/subscriptions/${encodeURIComponent(id)}/recover${q({ tenantId: o.tenant, since: o.since })}`);
      printResult(o.json, result, `requeued ${result.requeued} failed deliveries`);
    });

  const delivery = program.command('delivery').description('Delivery records and their attempts');
  delivery
    .command('list')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--subscription <id>')
    .option('--status <status>', 'pending, delivered or failed')
    .option('--event-type <type>')
    .option('--since <time>')
    .option('--until <time>')
    .option('--limit <n>')
    .option('--json', 'print JSON')
    .action(async (o: { tenant: string; subscription?: string; status?: string; eventType?: string; since?: string; until?: string; limit?: string; json?: boolean }) => {
      const rows = await api<DeliveryView[]>(
        program,
        'GET',
        `/admin/deliveries${q({ tenantId: o.tenant, subscriptionId: o.subscription, status: o.status, eventType: o.eventType, since: o.since, until: o.until, limit: o.limit })}`,
      );
      printResult(o.json, rows, formatTable(rows.map((d) => ({ id: d.id, type: d.eventType, status: d.status, attempts: d.attemptCount, last: d.lastStatusCode ?? d.lastError ?? '', created: d.createdAt }))));
    });
  delivery
    .command('show <id>')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { tenant: string; json?: boolean }) => {
      const d = await api<DeliveryView & { attempts: Array<Record<string, unknown>> }>(program, 'GET', `/admin/deliveries/${encodeURIComponent(id)}${q({ tenantId: o.tenant })}`);
      printResult(o.json, d, `${d.id} ${d.eventType} ${d.status}\n${formatTable(d.attempts.map((a) => ({ n: a.attemptNumber, at: a.startedAt, ms: a.durationMs, status: a.statusCode, error: a.error })))}`);
    });
  delivery
    .command('replay <id>')
    .description('Send a failed (or delivered) delivery again')
    .requiredOption('--tenant <id>', 'tenant id')
    .option('--json', 'print JSON')
    .action(async (id: string, o: { tenant: string; json?: boolean }) => {
      const d = await api<DeliveryView>(program, 'POST', `/admin/deliveries/${encodeURIComponent(id)}/replay${q({ tenantId: o.tenant })}`);
      printResult(o.json, d, `delivery ${d.id} requeued`);
    });
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    await buildCli().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    process.stderr.write(`idsync-webhooks: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
