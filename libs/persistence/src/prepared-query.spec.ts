import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dropDatabase, ensureDatabase } from './database-admin';
import { MAX_PREPARED_TEXTS, preparedQuery } from './prepared-query';

// Against real PostgreSQL, on a pool of one connection so every call sees the same session's
// pg_prepared_statements.
describe('preparedQuery', () => {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/idsync_prepared_query_${randomBytes(5).toString('hex')}`;
  const url = base.toString();
  let ds: DataSource;

  const preparedNames = async (): Promise<string[]> =>
    ((await ds.query(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'idsync\\_%' ORDER BY name`)) as Array<{ name: string }>).map((r) => r.name);

  before(async () => {
    await ensureDatabase(url);
    ds = new DataSource({ type: 'postgres', url, extra: { max: 1 } });
    await ds.initialize();
    await ds.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL, size int NOT NULL)');
    await ds.query(`INSERT INTO items SELECT g, 'item ' || g, g * 10 FROM generate_series(1, 5) g`);
  });

  after(async () => {
    await ds?.destroy();
    await dropDatabase(url);
  });

  it('returns what the unnamed query returns, and prepares the text once on the connection', async () => {
    const text = 'SELECT id, label, size FROM items WHERE id = ANY($1::int[]) ORDER BY id';
    const unnamed = (await ds.query(text, [[2, 4]])) as unknown[];
    const first = await preparedQuery(ds, text, [[2, 4]]);
    const second = await preparedQuery(ds, text, [[1]]);
    assert.deepEqual(first.rows, unnamed);
    assert.deepEqual(second.rows, [{ id: 1, label: 'item 1', size: 10 }]);
    assert.equal(first.rowCount, 2);
    const names = await preparedNames();
    assert.equal(names.length, 1, 'one statement for one text, however often it runs');
    assert.match(names[0], /^idsync_[0-9a-f]{32}$/);
  });

  it('runs inside the transaction of a manager: sees its uncommitted rows and rolls back with it', async () => {
    await assert.rejects(
      ds.transaction(async (tx) => {
        const inserted = await preparedQuery<{ id: number }>(tx, 'INSERT INTO items (id, label, size) VALUES ($1, $2, $3) RETURNING id', [100, 'tx item', 1]);
        assert.deepEqual(inserted.rows, [{ id: 100 }]);
        const seen = await preparedQuery(tx, 'SELECT label FROM items WHERE id = $1', [100]);
        assert.deepEqual(seen.rows, [{ label: 'tx item' }]);
        const updated = await preparedQuery(tx, 'UPDATE items SET size = size + 1 WHERE id >= $1', [4]);
        assert.equal(updated.rowCount, 3);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.deepEqual((await preparedQuery(ds, 'SELECT label FROM items WHERE id = $1', [100])).rows, []);
    assert.deepEqual((await preparedQuery(ds, 'SELECT size FROM items WHERE id = $1', [5])).rows, [{ size: 50 }]);
  });

  it('runs on a query runner’s own connection', async () => {
    const runner = ds.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await preparedQuery(runner, 'INSERT INTO items (id, label, size) VALUES ($1, $2, $3)', [200, 'runner item', 2]);
      assert.deepEqual((await preparedQuery(runner, 'SELECT label FROM items WHERE id = $1', [200])).rows, [{ label: 'runner item' }]);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
  });

  it('reports the database error (code, constraint) as node-postgres does, and keeps the connection and its statements', async () => {
    const before = await preparedNames();
    const pid = async () => ((await ds.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>)[0].pid;
    const backend = await pid();
    await assert.rejects(preparedQuery(ds, 'INSERT INTO items (id, label, size) VALUES ($1, $2, $3)', [1, 'dup', 0]), (err: { code?: string; constraint?: string }) => {
      assert.equal(err.code, '23505');
      assert.equal(err.constraint, 'items_pkey');
      return true;
    });
    assert.equal(await pid(), backend);
    assert.deepEqual(await preparedNames(), before);
  });

  it('names at most MAX_PREPARED_TEXTS distinct texts: the rest run unnamed, with the same results', async () => {
    for (let i = 0; i < MAX_PREPARED_TEXTS + 20; i++) {
      const result = await preparedQuery<{ n: number }>(ds, `SELECT $1::int + ${i} AS n`, [1]);
      assert.deepEqual(result.rows, [{ n: 1 + i }]);
    }
    const names = await preparedNames();
    assert.equal(names.length, MAX_PREPARED_TEXTS);
  });

  it('after a migration changes a returned column’s type: fails inside the transaction once, then works under a new name', async () => {
    // Named before the cap was reached (first test), so it is a prepared statement.
    const text = 'SELECT id, label, size FROM items WHERE id = ANY($1::int[]) ORDER BY id';
    await ds.query('ALTER TABLE items ALTER COLUMN size TYPE bigint');
    await assert.rejects(
      ds.transaction((tx) => preparedQuery(tx, text, [[1]])),
      (err: { code?: string }) => err.code === '0A000',
    );
    // pg returns bigint as a string: the new plan's result type.
    assert.deepEqual((await preparedQuery(ds, text, [[1]])).rows, [{ id: 1, label: 'item 1', size: '10' }]);
    await ds.query('ALTER TABLE items ALTER COLUMN size TYPE int');
    // Outside a transaction the stale statement is retried under a newer name within the same call.
    assert.deepEqual((await preparedQuery(ds, text, [[1]])).rows, [{ id: 1, label: 'item 1', size: 10 }]);
  });
});
