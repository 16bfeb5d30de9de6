import type { KafkaContext } from '@nestjs/microservices';

/**
 * One input record as Kafka delivered it, with its coordinates — what a command needs to process
 * it, retry it, or copy it unchanged to the dead-letter topic.
 *
 * With the worker's consumer option `rawValues` (Nest's `keepBinary`) the value is the original
 * Buffer. Nest still decodes keys and headers (strings; JSON-looking headers become objects), so
 * they are re-encoded here; without `rawValues` Nest may also have JSON-decoded the value, which
 * is re-serialised — close to, but not necessarily byte-identical with, the original.
 */
export class ReceivedRecord {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    readonly key: Buffer | null,
    readonly value: Buffer | null,
    readonly headers: Record<string, Buffer>,
    readonly heartbeat: () => Promise<void>,
  ) {}

  static fromContext(ctx: KafkaContext): ReceivedRecord {
    const message = ctx.getMessage();
    const headers: Record<string, Buffer> = {};
    for (const [name, value] of Object.entries(message.headers ?? {})) {
      const bytes = toBytes(Array.isArray(value) ? value[0] : value);
      if (bytes) headers[name] = bytes;
    }
    return new ReceivedRecord(ctx.getTopic(), ctx.getPartition(), message.offset, toBytes(message.key), toBytes(message.value), headers, ctx.getHeartbeat());
  }

  /** `topic/partition@offset`: identifies this delivery in logs and the outcome registry. */
  get coordinates(): string {
    return `${this.topic}/${this.partition}@${this.offset}`;
  }
}

function toBytes(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}
