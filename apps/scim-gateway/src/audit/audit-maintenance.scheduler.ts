import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditCheckpointer, CheckpointSigner, chainPendingAuditRecords } from '@idsync/audit';
import { AuditConfig } from './audit.config';

const RETENTION_EVERY_MS = 3_600_000;

/**
 * Every AUDIT_CHECKPOINT_INTERVAL_MS: links audit records left unchained (their writer's process
 * stopped between COMMIT and its chaining pass — normally none), checkpoints each chain head that advanced (signed with
 * AUDIT_SIGNING_KEY_FILE when set); at most hourly, applies AUDIT_RETENTION_DAYS. Replicas may
 * all run it: checkpoints are unique per (chain, seq) and retention takes an advisory lock.
 */
@Injectable()
export class AuditMaintenanceScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditMaintenanceScheduler.name);
  private readonly checkpointer: AuditCheckpointer;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastRetention = 0;

  constructor(
    private readonly db: DataSource,
    @Inject(AuditConfig) private readonly config: AuditConfig,
  ) {
    // Read at start-up so a bad key file fails the boot, not the first checkpoint.
    const signer = config.AUDIT_SIGNING_KEY_FILE ? CheckpointSigner.fromPemFile(config.AUDIT_SIGNING_KEY_FILE) : undefined;
    this.checkpointer = new AuditCheckpointer(db, signer);
  }

  onApplicationBootstrap(): void {
    if (this.config.AUDIT_CHECKPOINT_INTERVAL_MS <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.config.AUDIT_CHECKPOINT_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One round (also what tests call); overlapping rounds are skipped. */
  runOnce(now = new Date()): Promise<void> {
    this.running ??= this.round(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async round(now: Date): Promise<void> {
    try {
      const linked = await chainPendingAuditRecords(this.db);
      if (linked > 0) this.logger.log(`audit records left unchained, now linked: ${linked}`);
      const written = await this.checkpointer.checkpointHeads();
      if (written > 0) this.logger.log(`audit checkpoints written: ${written}`);
      if (this.config.AUDIT_RETENTION_DAYS > 0 && now.getTime() - this.lastRetention >= RETENTION_EVERY_MS) {
        this.lastRetention = now.getTime();
        const results = await this.checkpointer.applyRetention(this.config.AUDIT_RETENTION_DAYS, now);
        const deleted = results.reduce((n, r) => n + r.deleted, 0);
        if (deleted > 0) this.logger.log(`audit retention: ${deleted} record(s) older than ${this.config.AUDIT_RETENTION_DAYS} days deleted from ${results.length} chain(s)`);
      }
    } catch (err) {
      this.logger.error(`audit maintenance failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
