import { Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { SpanKind } from '@opentelemetry/api';
import { TOPICS, topicName } from '@idsync/contracts';
import { extractTraceContext, inSpan } from '@idsync/platform';
import { ReceivedRecord } from '../kafka/received-record';
import { HandleScimChangeRecordCommand } from './commands/handle-scim-change-record/handle-scim-change-record.command';

/**
 * Translates records of idsync.scim.changes.v1 into commands; no logic here. The record is read
 * from the context, not @Payload(): the payload is whatever Nest made of the bytes (for a null
 * value, the whole message), and the handler validates and dead-letters the original bytes.
 * Resolving lets kafkajs mark the offset consumed; throwing leaves it uncommitted (redelivery).
 * The CONSUMER span continues the trace in the record's `traceparent` (set by the outbox relay).
 */
@Controller()
export class ScimChangesMessageController {
  constructor(private readonly commands: CommandBus) {}

  @EventPattern<string>(topicName(TOPICS.scimChanges))
  async onScimChange(@Ctx() ctx: KafkaContext): Promise<void> {
    const record = ReceivedRecord.fromContext(ctx);
    const attributes = {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': record.topic,
      'messaging.destination.partition.id': String(record.partition),
      'messaging.kafka.offset': Number(record.offset),
    };
    await inSpan(`process ${TOPICS.scimChanges}`, { kind: SpanKind.CONSUMER, attributes }, extractTraceContext(record.headers), () =>
      this.commands.execute(new HandleScimChangeRecordCommand(record)),
    );
  }
}
