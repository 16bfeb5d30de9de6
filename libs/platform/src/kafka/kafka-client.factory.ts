import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
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
