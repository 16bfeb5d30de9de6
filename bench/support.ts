// Pieces every bench shares: its database URL and a SCIM writer over an undici pool (127.0.0.1 only).
import { Pool } from 'undici';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** The bench's own database (`idsync_<name>`) on DATABASE_URL's server; BENCH_DATABASE_URL overrides. */
export function benchDatabaseUrl(name: string): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/idsync');
  url.pathname = `/idsync_${name}`;
  return url.toString();
}

export function versionOf(etag: string | string[] | undefined): number {
  const m = /(\d+)/.exec(String(etag ?? ''));
  if (!m) throw new Error(`no version in ETag ${String(etag)}`);
  return Number(m[1]);
}

/** SCIM user writes for load generation; each resolves with the resource id and its new version. */
export class ScimWriter {
  readonly pool: Pool;
  constructor(
    origin: string,
    private readonly token: string,
    connections: number,
  ) {
    if (new URL(origin).hostname !== '127.0.0.1') throw new Error(`bench targets 127.0.0.1 only, not ${origin}`);
    this.pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  }

  async write(method: 'POST' | 'PATCH', p: string, body: unknown): Promise<{ id: string; version: number }> {
    const res = await this.pool.request({
      method,
      path: `/scim/v2${p}`,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`${method} ${p}: ${res.statusCode} ${text.slice(0, 200)}`);
    return { id: (JSON.parse(text) as { id: string }).id, version: versionOf(res.headers.etag) };
  }

  create(userName: string) {
    return this.write('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName,
      name: { givenName: 'Bench', familyName: userName },
      emails: [{ value: userName, type: 'work', primary: true }],
      active: true,
    });
  }

  patch(id: string, n: number) {
    return this.write('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `title-${n}` }] });
  }
}

/** Drops and recreates the bench database, then migrates it (each run starts from an empty schema). */
export async function freshBenchDatabase(url: string): Promise<void> {
  const { dropDatabase, ensureDatabase, runMigrations } = await import('@idsync/persistence');
  await dropDatabase(url).catch(() => undefined);
  await ensureDatabase(url);
  await runMigrations(url);
}

export interface BenchKafka {
  brokers: string;
  /** Stops and removes the broker this bench started (nothing when KAFKA_BROKERS was given). */
  stop(): Promise<void>;
}

/** KAFKA_BROKERS when set, else a throwaway local broker in a temp dir (scripts/kafka.mjs). */
export async function benchKafka(label: string, log: (msg: string) => void): Promise<BenchKafka> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, stop: async () => undefined };
  const [{ default: fs }, { default: os }, { default: path }] = await Promise.all([import('node:fs'), import('node:os'), import('node:path')]);
  const kafka = (await import('../scripts/kafka.mjs')) as typeof import('../scripts/kafka.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `idsync-${label}-kafka-`));
  const { brokers } = await kafka.startKafka({ dir });
  log(`Kafka ${brokers} started`);
  return {
    brokers,
    stop: async () => {
      await kafka.stopKafka({ dir });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
