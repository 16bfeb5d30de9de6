import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditChainVerifier, type AuditVerificationReport } from '@idsync/audit';

/** The outcome of the console's latest full verification of the audit hash chains. */
export interface AuditVerificationSummary {
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  records: number;
  chains: number;
  brokenChains: number;
  /** The first break, in words (chain, seq, kind); null when intact. */
  firstBreak: string | null;
  checkpointMismatches: number;
  /** Set when the verification itself could not run (database error). */
  error: string | null;
}

function summarise(startedAt: Date, report: AuditVerificationReport): AuditVerificationSummary {
  const b = report.firstBreak;
  return {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ok: report.ok,
    records: report.records,
    chains: report.chains.length,
    brokenChains: report.chains.filter((c) => c.break || c.checkpointMismatches.length > 0).length,
    firstBreak: b ? `chain ${b.tenantId ?? 'system'} at seq ${b.seq}: ${b.kind} (expected ${b.expected}, found ${b.found})` : null,
    checkpointMismatches: report.checkpointMismatches.length,
    error: null,
  };
}

/**
 * Runs @idsync/audit's AuditChainVerifier over every chain when an operator asks (it streams the
 * whole audit log, so never on a page load), one run at a time, in the background; keeps the
 * latest result for the audit page. Checkpoint signatures are not checked here (webhook-delivery
 * has no checkpoint public key); `idsync audit verify` does that.
 */
@Injectable()
export class AuditChainMonitor {
  private readonly logger = new Logger(AuditChainMonitor.name);
  private latest: AuditVerificationSummary | null = null;
  private running: Promise<void> | undefined;

  constructor(private readonly db: DataSource) {}

  get lastVerification(): AuditVerificationSummary | null {
    return this.latest;
  }

  get verifying(): boolean {
    return this.running !== undefined;
  }

  /** Starts a verification unless one is running; resolves when it has finished (callers need not wait). */
  verifyInBackground(): Promise<void> {
    this.running ??= this.verify().finally(() => (this.running = undefined));
    return this.running;
  }

  private async verify(): Promise<void> {
    const startedAt = new Date();
    try {
      this.latest = summarise(startedAt, await new AuditChainVerifier(this.db).verify());
      if (!this.latest.ok) this.logger.warn(`audit chain verification failed: ${this.latest.brokenChains} chain(s) broken`);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.logger.warn(`audit chain verification could not run: ${error}`);
      this.latest = { startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), ok: false, records: 0, chains: 0, brokenChains: 0, firstBreak: null, checkpointMismatches: 0, error };
    }
  }
}
