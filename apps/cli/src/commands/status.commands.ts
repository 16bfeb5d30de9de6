import { Command } from 'commander';
import type { Admin } from 'kafkajs';
import { TOPICS, topicName } from '@idsync/contracts';
import { appUrl, CliExit, cliKafka, EXIT_FAILED, formatTable, kafkaBrokers, kafkaTopicPrefix, oneLine, positiveInteger, printResult, withDb, withDeadline, withJsonOption, type JsonOption } from '../cli-support';

// `idsync status`: one look at the whole pipeline for whoever is on call. Every check yields a row
// with a state; `fail` rows make the exit code 1, `warn` rows are shown but do not (a customer's
// endpoint failing, or dead letters waiting for a re-drive, are not idsync being down).

export type CheckState = 'ok' | 'warn' | 'fail';

export interface StatusCheck {
  /** What kind of check: app, kafka-lag, outbox, endpoint, dead-letters, database, kafka. */
  check: string;
  /** What was checked: an app name, a consumer group, a subscription id… */
  target: string;
  state: CheckState;
  detail: string;
}

export interface StatusReport {
  healthy: boolean;
  checks: StatusCheck[];
}

interface StatusOptions extends JsonOption {
  gatewayUrl?: string;
  workerUrl?: string;
  webhookUrl?: string;
  workerGroup?: string;
  webhookGroup?: string;
  maxLag: number;
  maxOutboxAge: number;
  timeoutMs: number;
}

const DEFAULT_MAX_LAG = 1000;
const DEFAULT_MAX_OUTBOX_AGE_S = 60;
const DEFAULT_TIMEOUT_MS = 5_000;

const errorText = (err: unknown) => oneLine(err instanceof Error ? err.message : String(err), 120);

/** GET /health/ready: 200 is ok; anything else names the failing indicators (Terminus' body). */
async function appCheck(name: string, base: string, timeoutMs: number): Promise<StatusCheck> {
  const target = `${name} (${base})`;
  try {
    const res = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(timeoutMs) });
    if (res.ok) return { check: 'app', target, state: 'ok', detail: 'ready' };
    const body = (await res.json().catch(() => ({}))) as { error?: Record<string, { status?: string; message?: string }> };
    const down = Object.entries(body.error ?? {}).map(([k, v]) => `${k} ${v.status ?? 'down'}${v.message ? `: ${v.message}` : ''}`);
    return { check: 'app', target, state: 'fail', detail: oneLine(`not ready (HTTP ${res.status})${down.length ? `: ${down.join(', ')}` : ''}`, 120) };
  } catch (err) {
    return { check: 'app', target, state: 'fail', detail: `unreachable: ${errorText((err as { cause?: unknown }).cause ?? err)}` };
  }
}

/** Lag of one consumer group on one topic: sum over partitions of high-water mark minus committed offset. */
async function lagCheck(admin: Admin, groupId: string, topic: string, maxLag: number): Promise<StatusCheck> {
  const target = `${groupId} on ${topic}`;
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) return { check: 'kafka-lag', target, state: 'fail', detail: 'topic does not exist (check KAFKA_TOPIC_PREFIX)' };
  const [ends, [committed], [group]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] }), admin.describeGroups([groupId]).then((d) => d.groups)]);
  const committedBy = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
  let lag = 0n;
  for (const end of ends) {
    const at = committedBy.get(end.partition) ?? -1n;
    // -1: the group never committed on this partition; everything retained is still to be read.
    lag += BigInt(end.high) - (at < 0n ? BigInt(end.low) : at);
  }
  const members = group?.members.length ?? 0;
  const detail = `lag ${lag} (${members} consumer${members === 1 ? '' : 's'}, group ${group?.state ?? 'unknown'})`;
  return { check: 'kafka-lag', target, state: lag > BigInt(maxLag) ? 'fail' : 'ok', detail };
}

async function deadLetterCheck(admin: Admin): Promise<StatusCheck> {
  const topic = topicName(TOPICS.deadLetter, kafkaTopicPrefix());
  if (!(await admin.listTopics()).includes(topic)) return { check: 'dead-letters', target: topic, state: 'ok', detail: 'topic not created yet: none' };
  const count = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + (BigInt(p.high) - BigInt(p.low)), 0n);
  return { check: 'dead-letters', target: topic, state: count > 0n ? 'warn' : 'ok', detail: count > 0n ? `${count} retained (idsync deadletter list)` : 'none' };
}

async function kafkaChecks(opts: StatusOptions): Promise<StatusCheck[]> {
  const prefix = kafkaTopicPrefix();
  const kafka = cliKafka('idsync-cli-status');
  const admin = kafka.admin();
  try {
    await withDeadline(opts.timeoutMs, 'connecting to Kafka', admin.connect());
  } catch (err) {
    return [{ check: 'kafka', target: kafkaBrokers().join(','), state: 'fail', detail: `unreachable: ${errorText(err)}` }];
  }
  try {
    const groups: Array<[string, string]> = [
      [opts.workerGroup ?? process.env.WORKER_GROUP_ID ?? 'idsync-sync-worker', topicName(TOPICS.scimChanges, prefix)],
      [opts.webhookGroup ?? process.env.WEBHOOK_GROUP_ID ?? 'idsync-webhook-delivery', topicName(TOPICS.identityEvents, prefix)],
    ];
    const checks = await Promise.all(
      groups.map(([group, topic]) =>
        withDeadline(opts.timeoutMs, `reading offsets of ${group}`, lagCheck(admin, group, topic, opts.maxLag)).catch(
          (err): StatusCheck => ({ check: 'kafka-lag', target: `${group} on ${topic}`, state: 'fail', detail: errorText(err) }),
        ),
      ),
    );
    checks.push(
      await withDeadline(opts.timeoutMs, 'reading the dead-letter topic', deadLetterCheck(admin)).catch(
        (err): StatusCheck => ({ check: 'dead-letters', target: topicName(TOPICS.deadLetter, prefix), state: 'fail', detail: errorText(err) }),
      ),
    );
    return checks;
  } finally {
    await withDeadline(5_000, 'disconnecting', admin.disconnect()).catch(() => undefined);
  }
}

/** Outbox backlog and the webhook endpoints that are failing or were disabled automatically. */
async function databaseChecks(opts: StatusOptions): Promise<StatusCheck[]> {
  try {
    return await withDb(async (db) => {
      const [outbox] = (await db.query(
        `SELECT count(*)::int AS backlog, EXTRACT(EPOCH FROM now() - min(created_at))::float AS oldest_s FROM outbox WHERE published_at IS NULL`,
      )) as Array<{ backlog: number; oldest_s: number | null }>;
      const oldest = outbox.oldest_s === null ? 0 : Math.round(outbox.oldest_s);
      const checks: StatusCheck[] = [
        {
          check: 'outbox',
          target: 'unrelayed rows',
          state: oldest > opts.maxOutboxAge ? 'fail' : 'ok',
          detail: outbox.backlog === 0 ? 'empty' : `${outbox.backlog} waiting, oldest ${oldest}s`,
        },
      ];
      // Operator view across tenants: ids only, never endpoint credentials (custom headers stay out).
      const endpoints = (await db.query(
        `SELECT id, tenant_id, url, enabled, disabled_reason, failing_since FROM webhook_subscriptions
          WHERE (enabled AND failing_since IS NOT NULL) OR (NOT enabled AND disabled_reason IS NOT NULL)
          ORDER BY tenant_id, failing_since NULLS LAST LIMIT 100`,
      )) as Array<{ id: string; tenant_id: string; url: string; enabled: boolean; disabled_reason: string | null; failing_since: Date | null }>;
      for (const e of endpoints) {
        checks.push({
          check: 'endpoint',
          target: `${e.id} (tenant ${e.tenant_id})`,
          state: 'warn',
          detail: oneLine(e.enabled ? `failing since ${e.failing_since?.toISOString()}: ${hostOf(e.url)}` : `disabled automatically: ${e.disabled_reason ?? ''}`, 120),
        });
      }
      if (endpoints.length === 0) checks.push({ check: 'endpoint', target: 'webhook subscriptions', state: 'ok', detail: 'none failing' });
      return checks;
    });
  } catch (err) {
    return [{ check: 'database', target: 'DATABASE_URL', state: 'fail', detail: errorText(err) }];
  }
}

/** Host only: a URL's path or query may carry a customer's token. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}

export async function collectStatus(opts: StatusOptions): Promise<StatusReport> {
  const [apps, kafka, db] = await Promise.all([
    Promise.all([
      appCheck('scim-gateway', appUrl(opts.gatewayUrl, 'IDSYNC_GATEWAY_URL', 3000), opts.timeoutMs),
      appCheck('sync-worker', appUrl(opts.workerUrl, 'IDSYNC_WORKER_URL', 3001), opts.timeoutMs),
      appCheck('webhook-delivery', appUrl(opts.webhookUrl, 'IDSYNC_WEBHOOK_URL', 3002), opts.timeoutMs),
    ]),
    kafkaChecks(opts),
    databaseChecks(opts),
  ]);
  const checks = [...apps, ...kafka, ...db];
  return { healthy: checks.every((c) => c.state !== 'fail'), checks };
}

function withStatusOptions(command: Command): Command {
  return withJsonOption(command)
    .option('--gateway-url <url>', 'scim-gateway base URL (default $IDSYNC_GATEWAY_URL or http://127.0.0.1:3000)')
    .option('--worker-url <url>', 'sync-worker base URL (default $IDSYNC_WORKER_URL or http://127.0.0.1:3001)')
    .option('--webhook-url <url>', 'webhook-delivery base URL (default $IDSYNC_WEBHOOK_URL or http://127.0.0.1:3002)')
    .option('--worker-group <id>', 'sync-worker consumer group (default $WORKER_GROUP_ID or idsync-sync-worker)')
    .option('--webhook-group <id>', 'webhook-delivery consumer group (default $WEBHOOK_GROUP_ID or idsync-webhook-delivery)')
    .option('--max-lag <n>', `consumer lag above which a group counts as unhealthy (default ${DEFAULT_MAX_LAG})`, positiveInteger, DEFAULT_MAX_LAG)
    .option('--max-outbox-age <seconds>', `age of the oldest unrelayed outbox row above which the outbox counts as unhealthy (default ${DEFAULT_MAX_OUTBOX_AGE_S})`, positiveInteger, DEFAULT_MAX_OUTBOX_AGE_S)
    .option('--timeout-ms <ms>', `per-check timeout (default ${DEFAULT_TIMEOUT_MS})`, positiveInteger, DEFAULT_TIMEOUT_MS);
}

/** `idsync status`: health of every app, consumer lag, outbox backlog, failing endpoints, dead letters. */
export function registerStatusCommands(program: Command): void {
  withStatusOptions(
    program
      .command('status')
      .description('Health of every app, Kafka lag per consumer group, outbox backlog, failing webhook endpoints and dead letters; exit 1 when something is unhealthy'),
  ).action(async (opts: StatusOptions) => {
    const report = await collectStatus(opts);
    const table = formatTable(report.checks.map((c) => ({ state: c.state.toUpperCase(), check: c.check, target: c.target, detail: c.detail })));
    printResult(opts.json, report, `${table}\n\n${report.healthy ? 'healthy' : 'UNHEALTHY'}`);
    // Not a CliFailure: the report is the output; only the exit code says "unhealthy".
    if (!report.healthy) throw new CliExit(EXIT_FAILED);
  });
}
