import { ClientProxyFactory, Transport } from '@nestjs/microservices';
import { kafkaClientConfig } from '@idsync/platform';
import { WorkerConfig } from '../config/worker.config';

export const IDENTITY_PRODUCER = Symbol('IDENTITY_PRODUCER');

/** The worker's idempotent producer (acks=all) for the public topics, via Nest's Kafka transport. */
export const identityProducerProvider = {
  provide: IDENTITY_PRODUCER,
  inject: [WorkerConfig],
  useFactory: (config: WorkerConfig) =>
    ClientProxyFactory.create({
      transport: Transport.KAFKA,
      options: {
        client: kafkaClientConfig(config, 'idsync-sync-worker-producer'),
        producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false },
        producerOnlyMode: true,
        postfixId: '',
        send: { acks: -1 },
      },
    }),
};
