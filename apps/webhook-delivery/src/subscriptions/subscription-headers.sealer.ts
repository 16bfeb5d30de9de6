import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SigningSecretVault } from './signing-secret-vault';
import { SubscriptionRepository } from './subscription.repository';

/**
 * Seals the custom header values of subscriptions written before they were encrypted
 * (migration 1765400000000 has no key ring, so the app does it). Runs once at start-up; rows
 * stay deliverable from the clear column until sealed, and a row changed concurrently is left
 * for the next start (its new values are sealed by the write anyway).
 */
@Injectable()
export class SubscriptionHeadersSealer implements OnApplicationBootstrap {
  private readonly logger = new Logger(SubscriptionHeadersSealer.name);

  constructor(
    private readonly subscriptions: SubscriptionRepository,
    private readonly vault: SigningSecretVault,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const sealed = await this.sealAll();
      if (sealed > 0) this.logger.log(`sealed the custom header values of ${sealed} subscription(s) written before they were encrypted`);
    } catch (err) {
      // Not fatal: deliveries use the clear values until a later start seals them.
      this.logger.warn(`custom header values left unsealed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Returns how many rows were sealed; bounded so a row that keeps changing cannot loop forever. */
  async sealAll(): Promise<number> {
    let sealed = 0;
    const seen = new Set<string>();
    for (let pass = 0; pass < 1_000; pass++) {
      const rows = (await this.subscriptions.unsealedHeaders(100)).filter((r) => !seen.has(r.id));
      if (rows.length === 0) break;
      if (!this.vault.configured) {
        this.logger.warn(`${rows.length}+ subscription(s) keep custom header values in clear: no key ring is configured`);
        break;
      }
      for (const row of rows) {
        seen.add(row.id);
        await this.subscriptions.sealHeaders(row.id, row.customHeaders, this.vault.sealHeaders(row.customHeaders, row.id));
        sealed++;
      }
    }
    return sealed;
  }
}
