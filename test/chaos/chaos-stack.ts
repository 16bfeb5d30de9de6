// The whole idsync system for a chaos run, every part a real process the fault schedule can kill:
// its OWN Kafka broker (scripts/kafka.mjs, in a temp dir — never a shared broker, since the
// schedule SIGKILLs it), a fresh database, two replicas of each app (test/support/app-process),
// and several webhook receivers with one subscription each.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { EnvelopeCipher } from '@idsync/crypto';
import { createTestDatabase, uniqueTopicPrefix, type TestDatabase } from '@idsync/testing';
import { AppProcess, type IdsyncAppName } from '../support/app-process';
import { ADMIN_TOKEN, adminTenant, sameTenantOn, sql } from '../faults/fault-helpers';
import type { ScimClient } from '../scim/scim-harness';
import { ChaosReceiver } from './chaos-receiver';
import { prebuildApps } from './prebuilt-apps';

type KafkaScript = typeof import('../../scripts/kafka.mjs');
const kafkaScript = async (): Promise<KafkaScript> => (await import('../../scripts/kafka.mjs')) as KafkaScript;

export type TenantClient = ScimClient & { tenantId: string };

/** One tenant (an Okta org) as seen through each gateway replica. */
export interface ChaosTenant {
  name: string;
  tenantId: string;
  /** The same token on gateway A and gateway B. */
  clients: TenantClient[];
}

/** A receiver's subscription: which tenant's events of which types it must get. */
export interface ChaosSubscription {
  id: string;
  tenantId: string;
  eventTypes: string[];
  receiver: ChaosReceiver;
}

export interface ChaosStackOptions {
  label: string;
  /** Where app logs and the broker's state go (created). */
  workDir: string;
  log: (line: string) => void;
  tenants: string[];
  /** Per receiver: the tenant index and event-type patterns of its subscription. */
  subscriptions: { tenant: number; eventTypes: string[] }[];
  /** How long a 'slow' receiver takes to answer (keep it above WEBHOOK_RESPONSE_TIMEOUT_MS). */
  receiverSlowMs: number;
  /** Extra app environment (overrides the defaults below). */
  env?: Record<string, string>;
  /** webhook-delivery replicas (default 2; the short variant, which kills none, runs one). */
  webhookReplicas?: 1 | 2;
}

/** App settings of a chaos run: short timeouts so a crashed replica's work moves on within seconds. */
export function chaosAppEnv(): Record<string, string> {
  return {
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '6',
    OUTBOX_POLL_MS: '500',
    // The broker's minimum: a SIGKILLed consumer's partitions wait this long before a rebalance.
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    SHUTDOWN_GRACE_MS: '3000',
    WORKER_PARTITIONS_CONCURRENCY: '3',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.1/32',
    // Retries outlast every receiver outage the schedule makes (each ≤ 20 s): nothing may end 'failed'.
    WEBHOOK_RETRY_SCHEDULE_MS: '0,500,1000,2000,4000,8000,10000,10000,15000,15000,20000,30000,30000,60000',
    WEBHOOK_RETRY_JITTER: '0.1',
    WEBHOOK_POLL_MS: '250',
    WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
    WEBHOOK_RESPONSE_TIMEOUT_MS: '2000',
  };
}

export class ChaosStack {
  readonly gateways: AppProcess[] = [];
  readonly workers: AppProcess[] = [];
  readonly deliveries: AppProcess[] = [];
  readonly receivers: ChaosReceiver[] = [];
  readonly subscriptions: ChaosSubscription[] = [];
  readonly tenants: ChaosTenant[] = [];
  /** Per tenant id: the Okta Event Hook's header name and secret. */
  readonly oktaHooks = new Map<string, { headerName: string; secret: string }>();
  brokers = '';
  prefix = '';
  workerGroup = '';
  webhookGroup = '';
  db!: TestDatabase;
  private brokerPid: number | undefined;
  private readonly kafkaDir: string;

  private constructor(private readonly opts: ChaosStackOptions) {
    this.kafkaDir = path.join(opts.workDir, 'kafka');
  }

  get apps(): AppProcess[] {
    return [...this.gateways, ...this.workers, ...this.deliveries];
  }

  get brokerRunning(): boolean {
    if (this.brokerPid === undefined) return false;
    try {
      process.kill(this.brokerPid, 0);
      return true;
    } catch {
      return false;
    }
  }

  static async start(opts: ChaosStackOptions): Promise<ChaosStack> {
    fs.mkdirSync(opts.workDir, { recursive: true });
    const stack = new ChaosStack(opts);
    try {
      await stack.boot();
    } catch (err) {
      await stack.stop();
      throw err;
    }
    return stack;
  }

  private async boot(): Promise<void> {
    const { log, workDir } = this.opts;
    const t0 = Date.now();
    // Compiled once, so no app start (nor any restart in the schedule) loads TypeScript and SWC.
    const built = prebuildApps();
    log(`apps compiled to ${built.dir} in ${built.ms} ms (${built.compiled ? `${built.compiled} files` : 'reused'})`);
    await this.startBroker();
    log(`broker ${this.brokers} (pid ${this.brokerPid}, own dir ${this.kafkaDir}) in ${Date.now() - t0} ms`);
    this.db = await createTestDatabase(this.opts.label);
    this.prefix = uniqueTopicPrefix(this.opts.label);
    this.workerGroup = `${this.prefix}-worker`;
    this.webhookGroup = `${this.prefix}-webhook`;
    // One key ring for all: the gateway encrypts Okta hook secrets, webhook-delivery signing secrets.
    const keyRing = { ENCRYPTION_KEYS: `chaos:${EnvelopeCipher.generateKey()}`, ENCRYPTION_ACTIVE_KEY_ID: 'chaos' };
    const common = { ...chaosAppEnv(), ...keyRing, DATABASE_URL: this.db.url, KAFKA_BROKERS: this.brokers, KAFKA_TOPIC_PREFIX: this.prefix, ...this.opts.env };
    const envOf: Record<IdsyncAppName, Record<string, string>> = {
      'scim-gateway': { ...common, ADMIN_API_TOKEN: ADMIN_TOKEN },
      'sync-worker': { ...common, WORKER_GROUP_ID: this.workerGroup },
      'webhook-delivery': {
        ...common,
        WEBHOOK_GROUP_ID: this.webhookGroup,
        ADMIN_API_TOKEN: ADMIN_TOKEN,
      },
    };
    const make = (app: IdsyncAppName, name: string) =>
      new AppProcess({ app, name, env: envOf[app], startTimeoutMs: 240_000, logFile: path.join(workDir, `${name}.log`), script: built.main(app) });
    this.gateways.push(make('scim-gateway', 'gateway-a'), make('scim-gateway', 'gateway-b'));
    this.workers.push(make('sync-worker', 'worker-a'), make('sync-worker', 'worker-b'));
    this.deliveries.push(make('webhook-delivery', 'webhooks-a'));
    if ((this.opts.webhookReplicas ?? 2) === 2) this.deliveries.push(make('webhook-delivery', 'webhooks-b'));
    // The first gateway creates the topics; the rest start in two waves (on 2 busy cores, five
    // processes starting at once each take minutes to listen).
    const timed = async (app: AppProcess) => {
      const t = Date.now();
      await app.start();
      return `${app.name} ${((Date.now() - t) / 1000).toFixed(1)} s`;
    };
    const took = [await timed(this.gateways[0])];
    took.push(...(await Promise.all([this.gateways[1], this.workers[0], this.deliveries[0]].map(timed))));
    took.push(...(await Promise.all([this.workers[1], ...this.deliveries.slice(1)].map(timed))));
    log(`app start-up times: ${took.join(', ')}`);
    log(`apps up in ${Date.now() - t0} ms: ${this.apps.map((a) => `${a.name} ${a.url} (pid ${a.pid})`).join(', ')}`);

    for (const name of this.opts.tenants) {
      const a = await adminTenant(this.gateways[0].url, `${this.prefix}-${name}`);
      this.tenants.push({ name, tenantId: a.tenantId, clients: [a, sameTenantOn(a, this.gateways[1].url)] });
      // The tenant's Okta Event Hook: a generated secret in the Authorization header.
      const res = await fetch(`${this.gateways[0].url}/admin/tenants/${a.tenantId}/okta/hook`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ headerName: 'Authorization', generate: true }),
      });
      const hook = (await res.json()) as { headerName: string; secret: string };
      if (res.status !== 200 || !hook.secret) throw new Error(`configuring the Okta Event Hook: ${res.status} ${JSON.stringify(hook)}`);
      this.oktaHooks.set(a.tenantId, { headerName: hook.headerName, secret: hook.secret });
    }
    for (const [i, sub] of this.opts.subscriptions.entries()) {
      const receiver = await new ChaosReceiver(`r${i}`, this.opts.receiverSlowMs).start();
      const tenantId = this.tenants[sub.tenant].tenantId;
      const created = await this.adminWebhooks<{ id: string; secret: string }>('POST', '/admin/subscriptions', {
        tenantId,
        url: receiver.url,
        eventTypes: sub.eventTypes,
        description: `chaos receiver ${receiver.name}`,
        maxConcurrency: 4,
      });
      receiver.useSecret(created.secret);
      this.receivers.push(receiver);
      this.subscriptions.push({ id: created.id, tenantId, eventTypes: sub.eventTypes, receiver });
    }
    log(`tenants ${this.tenants.map((t) => t.name).join(', ')}; receivers ${this.subscriptions.map((s) => `${s.receiver.name}→${this.tenantName(s.tenantId)} [${s.eventTypes.join(' ')}]`).join(', ')}`);
  }

  tenantName(tenantId: string): string {
    return this.tenants.find((t) => t.tenantId === tenantId)?.name ?? tenantId;
  }

  /** webhook-delivery's admin API on whichever replica is up. */
  async adminWebhooks<T>(method: string, p: string, body?: unknown): Promise<T> {
    let last = '';
    for (let attempt = 0; attempt < 20; attempt++) {
      const app = this.deliveries.find((d) => d.running);
      if (app) {
        const res = await fetch(`${app.url}${p}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        }).catch((err: Error) => err);
        if (!(res instanceof Error)) {
          const text = await res.text();
          if (res.status < 300) return JSON.parse(text) as T;
          last = `${res.status} ${text.slice(0, 300)}`;
          if (res.status < 500) break;
        } else last = res.message;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`webhook admin ${method} ${p}: ${last}`);
  }

  kafka(clientId: string): Kafka {
    return new Kafka({ clientId, brokers: [this.brokers], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
  }

  // ---- faults --------------------------------------------------------------------------------

  /** (Re)starts the run's own broker on the same port and state directory. */
  async startBroker(): Promise<void> {
    const k = await kafkaScript();
    const started = await k.startKafka({ dir: this.kafkaDir, timeoutMs: 120_000 });
    this.brokers = started.brokers;
    this.brokerPid = started.pid;
    // The broker runs detached: a run that dies (or a test that times out) must not leave it behind.
    process.removeListener('exit', this.killBrokerOnExit);
    process.once('exit', this.killBrokerOnExit);
  }

  private readonly killBrokerOnExit = () => {
    if (this.brokerRunning && this.brokerPid !== undefined) process.kill(this.brokerPid, 'SIGKILL');
  };

  /** SIGKILLs the broker (our own child, by PID) and waits until it is gone. */
  async killBroker(): Promise<void> {
    const pid = this.brokerPid;
    if (pid === undefined || !this.brokerRunning) return;
    process.kill(pid, 'SIGKILL');
    while (this.brokerRunning) await new Promise((r) => setTimeout(r, 50));
  }

  /** pg_terminate_backend on every connection to the run's database but our own (apps reconnect). */
  async terminateDatabaseConnections(): Promise<number> {
    const rows = await sql<{ terminated: boolean }>(
      this.db.url,
      `SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    return rows.filter((r) => r.terminated).length;
  }

  /** Starts an app again after a kill; a start that fails while other faults settle is retried. */
  async restartApp(app: AppProcess): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (!app.running) await app.start();
        else await app.waitHealthy(true, 120_000);
        return;
      } catch (err) {
        if (attempt >= 4) throw err;
        this.opts.log(`${app.name} did not start (attempt ${attempt}): ${String((err as Error).message).split('\n')[0]}; retrying`);
        await app.kill('SIGKILL');
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }

  /** Stops everything this stack started (apps, receivers, broker); keeps the database and logs if asked. */
  async stop({ keepDatabase = false } = {}): Promise<void> {
    await Promise.all(this.apps.map((a) => a.kill('SIGTERM', 10_000).catch(() => undefined)));
    await Promise.all(this.receivers.map((r) => r.close()));
    const k = await kafkaScript();
    await k.stopKafka({ dir: this.kafkaDir, graceMs: 10_000 }).catch(() => undefined);
    await this.killBroker();
    process.removeListener('exit', this.killBrokerOnExit);
    fs.rmSync(this.kafkaDir, { recursive: true, force: true });
    if (this.db && !keepDatabase) await this.db.drop().catch(() => undefined);
  }
}

/** A work directory for one run under the OS temp dir. */
export function chaosWorkDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `idsync-${label}-`));
}
