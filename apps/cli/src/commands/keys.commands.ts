import { Command } from 'commander';
import type { DataSource } from 'typeorm';
import { EnvelopeCipher, KeyRingConfigError, loadKeyRing } from '@idsync/crypto';
import { CliFailure, formatTable, note, positiveInteger, printResult, progressBar, withDb, withJsonOption, type JsonOption } from '../cli-support';

// `idsync keys status|rotate`: the key ring (IDSYNC_KEYS_FILE / IDSYNC_KEYS, or the older
// ENCRYPTION_KEYS + ENCRYPTION_ACTIVE_KEY_ID) and the ciphertexts it protects. Rotation re-wraps
// each value's data key under the primary key (EnvelopeCipher.rewrap): no plaintext, no per-table
// context, and the apps keep serving throughout because the old key still decrypts until every
// value has moved and the operator removes it from the ring.

/** Every column that holds @idsync/crypto ciphertexts, with the primary key of its table. */
export const CIPHERTEXT_COLUMNS: ReadonlyArray<{ table: string; column: string; key: string }> = [
  { table: 'webhook_secrets', column: 'secret_ciphertext', key: 'id' },
  { table: 'webhook_subscriptions', column: 'custom_headers_ciphertext', key: 'id' },
  { table: 'okta_hook_configs', column: 'secret_ciphertext', key: 'tenant_id' },
  { table: 'okta_api_configs', column: 'credential_ciphertext', key: 'tenant_id' },
  // Users' encrypted PII for tenants with encrypt_pii (partial index on id::text for this walk).
  { table: 'scim_resources', column: 'pii_ciphertext', key: 'id' },
];

function keyRing(): EnvelopeCipher {
  let ring: EnvelopeCipher | undefined;
  try {
    ring = loadKeyRing();
  } catch (err) {
    if (err instanceof KeyRingConfigError) throw new CliFailure(err.message);
    throw err;
  }
  if (!ring) throw new CliFailure('no key ring is configured: set IDSYNC_KEYS_FILE or IDSYNC_KEYS (or ENCRYPTION_KEYS + ENCRYPTION_ACTIVE_KEY_ID)');
  return ring;
}

/** The locations whose table exists in this database (a deployment without Okta has no okta_* tables). */
async function presentColumns(db: DataSource): Promise<typeof CIPHERTEXT_COLUMNS> {
  const rows: Array<{ table_name: string; column_name: string }> = await db.query(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)`,
    [CIPHERTEXT_COLUMNS.map((c) => c.table)],
  );
  const present = new Set(rows.map((r) => `${r.table_name}.${r.column_name}`));
  return CIPHERTEXT_COLUMNS.filter((c) => present.has(`${c.table}.${c.column}`));
}

// Identifiers come from CIPHERTEXT_COLUMNS above, never from input.
const keyIdSql = (column: string) => `split_part(${column}, '.', 2)`;

interface KeyCount {
  table: string;
  keyId: string;
  ciphertexts: number;
  primary: boolean;
  inRing: boolean;
}

async function keyCounts(db: DataSource, ring: EnvelopeCipher): Promise<KeyCount[]> {
  const counts: KeyCount[] = [];
  for (const { table, column } of await presentColumns(db)) {
    const rows: Array<{ kid: string; n: string }> = await db.query(
      `SELECT ${keyIdSql(column)} AS kid, count(*) AS n FROM ${table} WHERE ${column} IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    for (const r of rows) counts.push({ table, keyId: r.kid, ciphertexts: Number(r.n), primary: r.kid === ring.activeKeyId, inRing: ring.keyIds.includes(r.kid) });
  }
  return counts;
}

interface RotationCount {
  table: string;
  rotated: number;
  /** Rows rewritten by an app while we worked (already under the primary key): left alone. */
  changedConcurrently: number;
}

/** Re-wraps one table's ciphertexts that are not under the primary key, in keyset-ordered batches. */
async function rotateColumn(db: DataSource, ring: EnvelopeCipher, loc: (typeof CIPHERTEXT_COLUMNS)[number], batchSize: number, tick: (n: number) => void): Promise<RotationCount> {
  const { table, column, key } = loc;
  const count: RotationCount = { table, rotated: 0, changedConcurrently: 0 };
  let after = '';
  for (;;) {
    const rows: Array<{ k: string; c: string }> = await db.query(
      `SELECT ${key}::text AS k, ${column} AS c FROM ${table}
        WHERE ${column} IS NOT NULL AND ${keyIdSql(column)} <> $1 AND ${key}::text > $2
        ORDER BY ${key}::text LIMIT $3`,
      [ring.activeKeyId, after, batchSize],
    );
    if (rows.length === 0) return count;
    for (const row of rows) {
      let rewrapped: string;
      try {
        rewrapped = ring.rewrap(row.c);
      } catch (err) {
        throw new CliFailure(`${table} ${key}=${row.k}: ${(err as Error).message}; nothing else was changed in this row — add the key back to the ring and run rotate again`);
      }
      // Compare-and-set: a value an app replaced meanwhile (sealed under the primary) is kept.
      const [, updated] = (await db.query(`UPDATE ${table} SET ${column} = $1 WHERE ${key}::text = $2 AND ${column} = $3`, [rewrapped, row.k, row.c])) as [unknown, number];
      if (updated === 1) count.rotated += 1;
      else count.changedConcurrently += 1;
    }
    tick(rows.length);
    after = rows[rows.length - 1].k;
  }
}

/** Adds `keys status` and `keys rotate` to the operator CLI. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description('The encryption key ring and the ciphertexts under each key (docs/SECURITY.md); DATABASE_URL, IDSYNC_KEYS_FILE or IDSYNC_KEYS');

  withJsonOption(keys.command('status').description('How many ciphertexts each key id still protects, per table')).action(async (opts: JsonOption) => {
    const ring = keyRing();
    const counts = await withDb((db) => keyCounts(db, ring));
    const notPrimary = counts.filter((c) => !c.primary).reduce((n, c) => n + c.ciphertexts, 0);
    const unknown = counts.filter((c) => !c.inRing);
    printResult(
      opts.json,
      { primaryKeyId: ring.activeKeyId, keyIds: ring.keyIds, counts, notUnderPrimary: notPrimary },
      [
        `primary key: ${ring.activeKeyId}; ring: ${ring.keyIds.join(', ')}`,
        formatTable(counts.map((c) => ({ TABLE: c.table, KEY_ID: c.keyId, CIPHERTEXTS: c.ciphertexts, PRIMARY: c.primary ? 'yes' : '', IN_RING: c.inRing ? 'yes' : 'NO' }))),
        notPrimary === 0 ? 'every ciphertext is under the primary key: older keys can be removed from the ring' : `${notPrimary} ciphertext(s) not under the primary key: run \`idsync keys rotate\``,
        ...unknown.map((c) => `warning: ${c.ciphertexts} ciphertext(s) in ${c.table} are under key id ${c.keyId}, which is not in the ring (they cannot be decrypted)`),
      ].join('\n'),
    );
  });

  withJsonOption(
    keys
      .command('rotate')
      .description('Re-encrypt every ciphertext under the primary key, in batches, while the apps keep running (resumable: run it again after an interruption)')
      .option('--batch-size <n>', 'rows per batch', positiveInteger, 500),
  ).action(async (opts: JsonOption & { batchSize: number }) => {
    const ring = keyRing();
    const counts = await withDb(async (db) => {
      const locations = await presentColumns(db);
      const total = (await keyCounts(db, ring)).filter((c) => !c.primary).reduce((n, c) => n + c.ciphertexts, 0);
      if (!opts.json) note(`re-wrapping ${total} ciphertext(s) under key ${ring.activeKeyId}`);
      const bar = progressBar('rotating', total, opts);
      try {
        const done: RotationCount[] = [];
        for (const loc of locations) done.push(await rotateColumn(db, ring, loc, opts.batchSize, (n) => bar.tick(n)));
        return done;
      } finally {
        bar.stop();
      }
    });
    const rotated = counts.reduce((n, c) => n + c.rotated, 0);
    printResult(
      opts.json,
      { primaryKeyId: ring.activeKeyId, rotated, tables: counts },
      [formatTable(counts.map((c) => ({ TABLE: c.table, ROTATED: c.rotated, CHANGED_CONCURRENTLY: c.changedConcurrently }))), `${rotated} ciphertext(s) now under key ${ring.activeKeyId}`].join('\n'),
    );
  });
}
