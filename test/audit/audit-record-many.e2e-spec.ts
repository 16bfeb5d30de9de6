import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditChainVerifier, AuditWriter, type AuditEntry } from '@idsync/audit';
import { dataSourceOptions } from '@idsync/persistence';
import { createTestDatabase, type TestDatabase } from '@idsync/testing';

// AuditWriter.recordMany (batched appends: links computed in the application after the first
// record locks the head) must produce the same chain as one-by-one appends, also when batches over
// several chains race single appends and each other.

function entry(tenantId: string | null, n: number): AuditEntry {
  return {
    tenantId,
    actorType: 'system',
    actorId: 'webhook-delivery',
    action: 'webhook.delivery.delivered',
    resourceType: 'WebhookDelivery',
    resourceId: `delivery-${n}`,
    details: { attempts: 1, statusCode: 200, n },
    changes: n % 3 === 0 ? [{ path: 'status', before: 'pending', after: 'delivered' }] : undefined,
  };
}

describe('AuditWriter.recordMany', () => {
  let db: TestDatabase;
  let ds: DataSource;

  before(async () => {
    db = await createTestDatabase('audit_record_many');
    ds = new DataSource(dataSourceOptions(db.url, {}, 12));
    await ds.initialize();
  });
  after(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('batches over several chains, racing single appends, give linear chains that verify (new and existing heads, system chain)', async () => {
    const tenants: Array<string | null> = [randomUUID(), randomUUID(), null];
    let n = 0;
    const batches = Array.from({ length: 6 }, async () => {
      for (let round = 0; round < 10; round++) {
        // Tenants in varying order inside a batch: recordMany locks chains in id order regardless.
        const batch = Array.from({ length: 7 }, (_, i) => entry(tenants[(i + round) % tenants.length], ++n));
        await ds.transaction((tx) => AuditWriter.recordMany(tx, batch));
      }
    });
    const singles = Array.from({ length: 3 }, async () => {
      for (let round = 0; round < 20; round++) {
        const t = tenants[round % tenants.length];
        await ds.transaction((tx) => AuditWriter.record(tx, entry(t, ++n)));
      }
    });
    await Promise.all([...batches, ...singles]);
    const report = await new AuditChainVerifier(ds).verify();
    assert.equal(report.ok, true, JSON.stringify(report.firstBreak));
    assert.equal(report.records, 6 * 10 * 7 + 3 * 20);
    for (const chain of report.chains) assert.equal(chain.headSeq, chain.records, `chain ${chain.tenantId}: head at the last record`);
  });

  it('an empty batch writes nothing; a one-record batch is a plain append', async () => {
    const tenant = randomUUID();
    await ds.transaction((tx) => AuditWriter.recordMany(tx, []));
    await ds.transaction((tx) => AuditWriter.recordMany(tx, [entry(tenant, 1)]));
    const report = await new AuditChainVerifier(ds).verify({ tenantId: tenant });
    assert.equal(report.ok, true);
    assert.equal(report.records, 1);
  });
});
