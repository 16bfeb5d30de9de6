// `npm run bench:audit [-- --seconds S]`: audit chain append throughput (issue #7; SCIM writes
// target ≥ 1000/s, issue #8). Not a test: it prints a table and writes bench/results/<date>-audit.json.
//
// Every append is its own transaction — BEGIN; UPDATE a row (the "change"); AuditWriter.record;
// COMMIT — the shape of a SCIM write's tail, timed until `transaction()` returns, i.e. including
// the chaining pass that links the record after COMMIT (AuditChainer; passes are shared by the
// commits in flight). Scenarios: 1 and 8 concurrent writers on one tenant, and 8 writers spread
// over 8 tenants. The chain is verified afterwards (AuditChainVerifier), and that is timed too.
//
// --verify-records N (default 0: skipped) then bulk-loads a chain of N records (hashes computed here,
// multi-row INSERTs) and times AuditChainVerifier over it, with the process's peak RSS: verification
// streams in batches, so memory must not grow with N.
//
// Options: --seconds S per scenario (default 5). BENCH_DATABASE_URL overrides the database
// (default: DATABASE_URL's server, database idsync_bench_audit, recreated each run).
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { AUDIT_HASH_VERSION, AuditChainVerifier, AuditWriter, GENESIS_HASH, changesHash, contentHash, linkHash } from '@idsync/audit';
import { dataSourceOptions } from '@idsync/persistence';
import { benchDatabaseUrl, freshBenchDatabase } from './support';

interface Scenario {
  name: string;
  writers: number;
  tenants: number;
}

interface ScenarioResult extends Scenario {
  appends: number;
  seconds: number;
  appendsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

async function run(ds: DataSource, scenario: Scenario, seconds: number): Promise<ScenarioResult> {
  const tenants = Array.from({ length: scenario.tenants }, () => randomUUID());
  for (const t of tenants) await ds.query('INSERT INTO bench_changes (tenant_id, writer, n) SELECT $1, g, 0 FROM generate_series(0, $2 - 1) g', [t, scenario.writers]);
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: scenario.writers }, async (_, w) => {
      const tenantId = tenants[w % tenants.length];
      let n = 0;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await ds.transaction(async (tx) => {
          await tx.query('UPDATE bench_changes SET n = n + 1 WHERE tenant_id = $1 AND writer = $2', [tenantId, w]);
          await AuditWriter.record(tx, {
            tenantId,
            actorType: 'scim-token',
            actorId: `writer-${w}`,
            action: 'user.patch',
            resourceType: 'User',
            resourceId: randomUUID(),
            details: { version: ++n, changeId: randomUUID() },
            changes: [{ path: 'title', before: `title-${n - 1}`, after: `title-${n}` }],
          });
        });
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ...scenario,
    appends: latencies.length,
    seconds: Number(elapsed.toFixed(2)),
    appendsPerSecond: Math.round(latencies.length / elapsed),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
  };
}

/** A chain of `count` valid records for one tenant, inserted 1,000 per statement; returns the tenant. */
async function bulkChain(ds: DataSource, count: number): Promise<string> {
  const tenantId = randomUUID();
  let prev: Buffer = GENESIS_HASH;
  const base = Date.now() - count;
  for (let start = 1; start <= count; start += 1000) {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let seq = start; seq < Math.min(start + 1000, count + 1); seq++) {
      const occurredAt = new Date(base + seq).toISOString();
      const details = { version: seq, changeId: randomUUID() };
      const changes = [{ path: 'title', before: `t${seq - 1}`, after: `t${seq}` }];
      const cHash = changesHash(changes) as Buffer;
      const content = contentHash({
        v: AUDIT_HASH_VERSION,
        tenantId,
        occurredAt,
        actor: { type: 'scim-token', id: 'bulk' },
        action: 'user.patch',
        target: { type: 'User', id: `u-${seq % 1000}` },
        outcome: 'success',
        details,
        changesHash: cHash.toString('hex'),
      });
      const hash = linkHash(prev, seq, content);
      const b = values.length;
      values.push(tenantId, occurredAt, `u-${seq % 1000}`, JSON.stringify(details), JSON.stringify(changes), cHash, seq, prev, hash);
      tuples.push(`($${b + 1}, $${b + 2}, 'scim-token', 'bulk', 'user.patch', 'User', $${b + 3}, 'success', $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9})`);
      prev = hash;
    }
    await ds.query(
      `INSERT INTO audit_log (tenant_id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, outcome, details, changes, changes_hash, seq, prev_hash, hash) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
  await ds.query('INSERT INTO audit_chain_heads (chain_id, seq, prev_hash, hash) VALUES ($1, $2, $3, $4)', [tenantId, count, GENESIS_HASH, prev]);
  return tenantId;
}

async function main(): Promise<void> {
  const seconds = option('seconds', 5);
  const url = benchDatabaseUrl('bench_audit');
  await freshBenchDatabase(url);
  const ds = new DataSource(dataSourceOptions(url, {}, 16));
  await ds.initialize();
  // One row per (tenant, writer): the "change" each transaction makes before its audit record (no contention there).
  await ds.query('CREATE TABLE bench_changes (tenant_id uuid NOT NULL, writer int NOT NULL, n bigint NOT NULL, PRIMARY KEY (tenant_id, writer))');
  try {
    process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs\n`);
    const scenarios: Scenario[] = [
      { name: '1 writer, 1 tenant', writers: 1, tenants: 1 },
      { name: '8 writers, 1 tenant', writers: 8, tenants: 1 },
      { name: '8 writers, 8 tenants', writers: 8, tenants: 8 },
    ];
    const results: ScenarioResult[] = [];
    for (const s of scenarios) {
      const r = await run(ds, s, seconds);
      results.push(r);
      process.stdout.write(`${r.name.padEnd(22)} ${String(r.appendsPerSecond).padStart(6)} appends/s   p50 ${r.p50Ms} ms   p99 ${r.p99Ms} ms   (${r.appends} in ${r.seconds} s)\n`);
    }
    const [{ count }] = (await ds.query('SELECT count(*)::int AS count FROM audit_log')) as Array<{ count: number }>;
    const t0 = performance.now();
    const report = await new AuditChainVerifier(ds).verify();
    const verifySeconds = (performance.now() - t0) / 1000;
    process.stdout.write(`verify: ${report.ok ? 'intact' : 'BROKEN'}, ${count} records in ${report.chains.length} chains, ${verifySeconds.toFixed(2)} s (${Math.round(count / verifySeconds)} records/s)\n`);
    if (!report.ok) throw new Error(`chain broken: ${JSON.stringify(report.firstBreak)}`);
    let large: { records: number; loadSeconds: number; verifySeconds: number; recordsPerSecond: number; peakRssMb: number } | undefined;
    const verifyRecords = option('verify-records', 0);
    if (verifyRecords > 0) {
      const l0 = performance.now();
      const tenantId = await bulkChain(ds, verifyRecords);
      const loadSeconds = (performance.now() - l0) / 1000;
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      const v0 = performance.now();
      const big = await new AuditChainVerifier(ds).verify({ tenantId });
      const verifySeconds = (performance.now() - v0) / 1000;
      clearInterval(sampler);
      if (!big.ok || big.records !== verifyRecords) throw new Error(`bulk chain did not verify: ${JSON.stringify(big.firstBreak)}`);
      large = { records: verifyRecords, loadSeconds: Number(loadSeconds.toFixed(1)), verifySeconds: Number(verifySeconds.toFixed(1)), recordsPerSecond: Math.round(verifyRecords / verifySeconds), peakRssMb: Math.round(peakRss / 1048576) };
      process.stdout.write(`verify ${verifyRecords} records (one chain): ${large.verifySeconds} s (${large.recordsPerSecond} records/s), peak RSS ${large.peakRssMb} MB\n`);
    }
    const out = path.join(__dirname, 'results', `${new Date().toISOString().slice(0, 10)}-audit.json`);
    fs.writeFileSync(
      out,
      `${JSON.stringify({ date: new Date().toISOString(), host: { cpus: os.cpus().length, loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))), node: process.version }, secondsPerScenario: seconds, results, verify: { records: count, seconds: Number(verifySeconds.toFixed(2)) }, largeChain: large }, null, 2)}\n`,
    );
    process.stdout.write(`written to ${path.relative(process.cwd(), out)}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
