import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { BaseAppConfig } from '../config/base-config';

/**
 * Readiness check for Kafka: a metadata round-trip with short timeouts and no retries, so a broker
 * outage turns readiness to 503 within seconds. The admin client is dropped after a failure and
 * rebuilt on the next probe, so readiness recovers by itself when the broker returns.
 */
@Injectable()
export class KafkaHealthIndicator implements OnModuleDestroy {
  private admin: Admin | undefined;

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly config: BaseAppConfig,
  ) {}

  async isHealthy(key = 'kafka'): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const admin = await this.connectedAdmin();
      const cluster = await withTimeout(admin.describeCluster(), 2_500);
      return indicator.up({ brokers: cluster.brokers.length });
    } catch (err) {
      await this.reset();
      return indicator.down({ message: err instanceof Error ? err.message : 'unreachable' });
    }
  }

  private async connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const kafka = new Kafka({
        clientId: 'idsync-health',
        brokers: this.config.kafkaBrokers,
        connectionTimeout: 1_000,
        requestTimeout: 2_000,
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      });
      const admin = kafka.admin();
      await withTimeout(admin.connect(), 2_500);
      this.admin = admin;
    }
    return this.admin;
  }

  private async reset(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  async onModuleDestroy(): Promise<void> {
    await this.reset();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
