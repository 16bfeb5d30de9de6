import { CompressionTypes, Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { BaseAppConfig } from '../config/base-config';

/** kafkajs client settings shared by producers, consumers and admin clients. */
export function kafkaClientConfig(config: BaseAppConfig, clientId: string): KafkaConfig {
  return {
    clientId,
    brokers: config.kafkaBrokers,
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
  };
}

export function createKafkaClient(config: BaseAppConfig, clientId: string): Kafka {
  return new Kafka(kafkaClientConfig(config, clientId));
}

/**
 * Compression of one produce request by its estimated uncompressed size: gzip above 64 KiB (big
 * groups' records and member fan-outs shrink ~6x), none below — kafkajs gzips on libuv's thread
 * pool, so a small request would pay a thread-pool round trip and an event-loop turn here and in
 * every consumer for little gain. Shared by the outbox relay and the sync-worker producer.
 */
export function compressionFor(estimatedBytes: number): CompressionTypes {
  return estimatedBytes > 64 * 1024 ? CompressionTypes.GZIP : CompressionTypes.None;
}
