import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, SYSTEM_CHAIN_ID, changesHash, contentHash, linkHash } from './audit-chain';
import { AUDIT_LOG_COLUMNS, contentOf, type ChainedAuditLogRow as AuditLogRow } from './audit-record';
import { checkpointKeyId, verifyCheckpointSignature } from './checkpoint-signer';
import type { SqlRunner } from './sql-runner';

export type ChainBreakKind = 'seq-gap' | 'prev-hash-mismatch' | 'hash-mismatch' | 'changes-mismatch' | 'missing-anchor' | 'head-mismatch' | 'missing-head';

/** The first record where a chain stops verifying, with what was expected there and what was found. */
export interface ChainBreak {
  tenantId: string | null;
  seq: number;
  /** audit_log id of the offending record (null when the break is about a missing record or the head). */
  id: string | null;
  kind: ChainBreakKind;
  expected: string;
  found: string;
}

export interface CheckpointMismatch {
  tenantId: string | null;
  seq: number;
  kind: 'hash' | 'signature' | 'beyond-head';
  expected: string;
  found: string;
}

export interface ChainReport {
  tenantId: string | null;
  records: number;
  firstSeq: number | null;
  lastSeq: number | null;
  headSeq: number | null;
  /** Records committed but not chained yet (normally linked milliseconds after commit): not tampering, and not verified. */
  pending: number;
  checkpointsChecked: number;
  signaturesChecked: number;
  break: ChainBreak | null;
  checkpointMismatches: CheckpointMismatch[];
}

export interface AuditVerificationReport {
  ok: boolean;
  /** Chained records verified. */
  records: number;
  /** Records waiting to be chained (see ChainReport.pending). */
  pending: number;
  chains: ChainReport[];
  /** The first break of the first broken chain (chains in tenant id order). */
  firstBreak: ChainBreak | null;
  checkpointMismatches: CheckpointMismatch[];
}

export interface AuditVerifyOptions {
  /** Only this tenant's chain (a tenant id; null = the system chain). */
  tenantId?: string | null;
  /** Requires every checkpoint to carry a valid signature by this Ed25519 key; without it signatures are not checked. */
  publicKey?: KeyObject;
  /** Rows read per query (keyset pagination on (chain_id, seq)); memory stays O(batchSize). */
  batchSize?: number;
}

interface CheckpointRow {
  seq: string;
  hash: Buffer;
  created_at: Date;
  key_id: string | null;
  signature: Buffer | null;
}

const tenantOf = (chainId: string): string | null => (chainId === SYSTEM_CHAIN_ID ? null : chainId);
const hex = (b: Buffer) => b.toString('hex');

/**
 * Recomputes every chain (or one tenant's) from the stored records and compares it with the
 * stored hashes, the chain heads and the checkpoints. Records are streamed in batches in seq order,
 * so a chain of millions of records needs memory for one batch only. A chain may start after seq
 * 1 when retention removed its prefix: its first record must then link to the retention
 * checkpoint at the seq before it (see docs/AUDIT.md).
 */
export class AuditChainVerifier {
  constructor(private readonly db: SqlRunner) {}

  async verify(options: AuditVerifyOptions = {}): Promise<AuditVerificationReport> {
    const chains = await this.chainIds(options.tenantId);
    const pending = await this.pendingByChain(options.tenantId);
    const reports: ChainReport[] = [];
    for (const chainId of chains) reports.push({ ...(await this.verifyChain(chainId, options)), pending: pending.get(chainId) ?? 0 });
    const firstBreak = reports.find((r) => r.break)?.break ?? null;
    const checkpointMismatches = reports.flatMap((r) => r.checkpointMismatches);
    return {
      ok: !firstBreak && checkpointMismatches.length === 0,
      records: reports.reduce((n, r) => n + r.records, 0),
      pending: reports.reduce((n, r) => n + r.pending, 0),
      chains: reports,
      firstBreak,
      checkpointMismatches,
    };
  }

  private async pendingByChain(tenantId: string | null | undefined): Promise<Map<string, number>> {
    const only = tenantId === undefined ? null : (tenantId?.toLowerCase() ?? SYSTEM_CHAIN_ID);
    const rows = (await this.db.query('SELECT chain_id, count(*)::int AS n FROM audit_log WHERE seq IS NULL AND ($1::uuid IS NULL OR chain_id = $1::uuid) GROUP BY chain_id', [only])) as Array<{
      chain_id: string;
      n: number;
    }>;
    return new Map(rows.map((r) => [r.chain_id, r.n]));
  }

  private async chainIds(tenantId: string | null | undefined): Promise<string[]> {
    if (tenantId !== undefined) return [tenantId?.toLowerCase() ?? SYSTEM_CHAIN_ID];
    const rows = (await this.db.query(
      `SELECT chain_id FROM audit_chain_heads UNION SELECT DISTINCT chain_id FROM audit_log UNION SELECT DISTINCT chain_id FROM audit_checkpoints ORDER BY 1`,
    )) as Array<{ chain_id: string }>;
    return rows.map((r) => r.chain_id);
  }

  private async verifyChain(chainId: string, options: AuditVerifyOptions): Promise<ChainReport> {
    const tenantId = tenantOf(chainId);
    const batchSize = options.batchSize ?? 5_000;
    const [head] = (await this.db.query('SELECT seq, hash FROM audit_chain_heads WHERE chain_id = $1', [chainId])) as Array<{ seq: string; hash: Buffer }>;
    const checkpoints = (await this.db.query('SELECT seq, hash, created_at, key_id, signature FROM audit_checkpoints WHERE chain_id = $1 ORDER BY seq', [
      chainId,
    ])) as CheckpointRow[];
    const bySeq = new Map(checkpoints.map((c) => [Number(c.seq), c]));
    const report: ChainReport = {
      tenantId,
      records: 0,
      firstSeq: null,
      lastSeq: null,
      headSeq: head ? Number(head.seq) : null,
      pending: 0,
      checkpointsChecked: 0,
      signaturesChecked: 0,
      break: null,
      checkpointMismatches: [],
    };
    const broken = (b: Omit<ChainBreak, 'tenantId'>) => {
      report.break ??= { tenantId, ...b };
    };

    let expectedSeq = 0;
    let expectedPrev: Buffer = GENESIS_HASH;
    let last: AuditLogRow | undefined;
    let after = 0n;
    // Records chained after the head was read are left to the next run: the chainer keeps linking
    // while this reads, and a head read first must not look like a truncated tail.
    const upTo = head ? head.seq : null;
    for (;;) {
      const rows = (await this.db.query(`SELECT ${AUDIT_LOG_COLUMNS} FROM audit_log WHERE chain_id = $1 AND seq > $2 AND ($4::bigint IS NULL OR seq <= $4) ORDER BY seq LIMIT $3`, [
        chainId,
        after.toString(),
        batchSize,
        upTo,
      ])) as AuditLogRow[];
      for (const row of rows) {
        const seq = Number(row.seq);
        if (report.records === 0) {
          report.firstSeq = seq;
          expectedSeq = seq;
          if (seq > 1) {
            // Retention removed records 1..seq-1: its checkpoint at seq-1 is the anchor.
            const anchor = bySeq.get(seq - 1);
            if (anchor) expectedPrev = anchor.hash;
            else broken({ seq, id: String(row.id), kind: 'missing-anchor', expected: `seq 1, or a checkpoint at seq ${seq - 1}`, found: `seq ${seq} with no checkpoint before it` });
          }
        }
        report.records++;
        if (!report.break) this.checkLink(row, seq, expectedSeq, expectedPrev, broken);
        const checkpoint = bySeq.get(seq);
        if (checkpoint) {
          report.checkpointsChecked++;
          if (!checkpoint.hash.equals(row.hash)) report.checkpointMismatches.push({ tenantId, seq, kind: 'hash', expected: hex(checkpoint.hash), found: hex(row.hash) });
        }
        expectedSeq = seq + 1;
        expectedPrev = row.hash;
        last = row;
      }
      if (rows.length < batchSize) break;
      after = BigInt(rows[rows.length - 1].seq);
    }
    report.lastSeq = last ? Number(last.seq) : null;
    this.checkHead(report, head, last, bySeq, broken);
    this.checkCheckpoints(report, checkpoints, chainId, options.publicKey);
    return report;
  }

  private checkLink(row: AuditLogRow, seq: number, expectedSeq: number, expectedPrev: Buffer, broken: (b: Omit<ChainBreak, 'tenantId'>) => void): void {
    const id = String(row.id);
    if (seq !== expectedSeq) return broken({ seq: expectedSeq, id: null, kind: 'seq-gap', expected: `seq ${expectedSeq}`, found: `seq ${seq} (audit_log id ${id})` });
    if (!row.prev_hash.equals(expectedPrev)) return broken({ seq, id, kind: 'prev-hash-mismatch', expected: hex(expectedPrev), found: hex(row.prev_hash) });
    if (row.changes !== null) {
      const digest = changesHash(row.changes) as Buffer;
      if (!row.changes_hash || !digest.equals(row.changes_hash)) {
        return broken({ seq, id, kind: 'changes-mismatch', expected: hex(digest), found: row.changes_hash ? hex(row.changes_hash) : 'null' });
      }
    }
    const recomputed = linkHash(row.prev_hash, seq, contentHash(contentOf(row)));
    if (!recomputed.equals(row.hash)) broken({ seq, id, kind: 'hash-mismatch', expected: hex(recomputed), found: hex(row.hash) });
  }

  /** The head must name the last record (a truncated tail leaves the head ahead of the records). */
  private checkHead(
    report: ChainReport,
    head: { seq: string; hash: Buffer } | undefined,
    last: AuditLogRow | undefined,
    bySeq: Map<number, CheckpointRow>,
    broken: (b: Omit<ChainBreak, 'tenantId'>) => void,
  ): void {
    if (!head) {
      if (last) broken({ seq: Number(last.seq), id: String(last.id), kind: 'missing-head', expected: 'a chain head row', found: 'none' });
      return;
    }
    const headSeq = Number(head.seq);
    // With every record removed by retention, the head must equal the last retention checkpoint.
    const tail = last ? { seq: Number(last.seq), hash: last.hash, id: String(last.id) } : bySeq.has(headSeq) ? { seq: headSeq, hash: bySeq.get(headSeq)!.hash, id: null } : undefined;
    if (!tail || tail.seq !== headSeq || !tail.hash.equals(head.hash)) {
      broken({
        seq: tail?.seq ?? 0,
        id: tail?.id ?? null,
        kind: 'head-mismatch',
        expected: `head seq ${headSeq} hash ${hex(head.hash)}`,
        found: tail ? `last record seq ${tail.seq} hash ${hex(tail.hash)}` : 'no records',
      });
    }
  }

  private checkCheckpoints(report: ChainReport, checkpoints: CheckpointRow[], chainId: string, publicKey: KeyObject | undefined): void {
    const keyId = publicKey ? checkpointKeyId(publicKey) : undefined;
    for (const c of checkpoints) {
      const seq = Number(c.seq);
      if (report.headSeq !== null && seq > report.headSeq) {
        report.checkpointMismatches.push({ tenantId: report.tenantId, seq, kind: 'beyond-head', expected: `seq <= ${report.headSeq}`, found: `seq ${seq}` });
      }
      // With a key given every checkpoint must carry its signature: an unsigned one could be forged.
      if (!publicKey) continue;
      report.signaturesChecked++;
      const valid = !!c.signature && c.key_id === keyId && verifyCheckpointSignature(publicKey, { chainId, seq, hash: c.hash, createdAt: c.created_at }, c.signature);
      if (!valid) report.checkpointMismatches.push({ tenantId: report.tenantId, seq, kind: 'signature', expected: `a valid Ed25519 signature by key ${keyId}`, found: `key ${c.key_id ?? 'none'}, signature does not verify` });
    }
  }
}
