import { Logger, OnModuleInit } from '@nestjs/common';
import { BaseAppConfig } from '../config/base-config';
import { createKafkaClient } from './kafka-client.factory';
import { ensureTopics, type TopicSpec } from './kafka-topics';

/**
 * Creates missing topics with explicit partitions and configs before any consumer subscribes,
 * and raises configs of existing ones that are below their spec (see ensureTopics).
 * Provided with a factory (`KafkaTopicsInitializer.provider(specsOf)`), since its specs depend on config.
 */
export class KafkaTopicsInitializer implements OnModuleInit {
  private readonly logger = new Logger(KafkaTopicsInitializer.name);

  constructor(
    private readonly config: BaseAppConfig,
    private readonly specs: TopicSpec[],
  ) {}

  static provider(specsOf: (config: BaseAppConfig) => TopicSpec[]) {
    return {
      provide: KafkaTopicsInitializer,
      inject: [BaseAppConfig],
      useFactory: (config: BaseAppConfig) => new KafkaTopicsInitializer(config, specsOf(config)),
    };
  }

  async onModuleInit(): Promise<void> {
    const admin = createKafkaClient(this.config, 'idsync-topics').admin();
    await admin.connect();
    try {
      const { created, raised } = await ensureTopics(admin, this.specs);
      if (created.length) this.logger.log(`created topics: ${created.join(', ')}`);
      for (const r of raised) this.logger.log(`raised ${r.config} of topic ${r.topic} from ${r.from} to ${r.to}`);
    } finally {
      await admin.disconnect();
    }
  }
}
