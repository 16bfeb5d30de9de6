import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Message, Producer } from 'kafkajs';
import { compressionFor, createKafkaClient, GroupCommit } from '@idsync/platform';
import { WorkerConfig } from '../config/worker.config';
import { splitIntoProduceRequests, type TopicMessages } from './produce-request-splitter';

export type { TopicMessages } from './produce-request-splitter';

/**
 * The worker's one producer: idempotent (no duplicates from its own retries), acks=all, one
 * request in flight (order per partition kept across retries), gzip for requests over 64 KiB.
 * The batches of inputs in flight at the same moment (concurrent partitions) are merged (group
 * commit): with one request in flight, a request per input would serialise every partition
 * behind one acks=all round trip each. The merged batch goes out as produce requests of at most
 * ~512 KiB uncompressed each (a larger record alone), one after the other, so a large change
 * (thousands of member events) does not become one oversized request; a big single record (a
 * group of 10,000+ members) relies on gzip and the topics' 16 MiB max.message.bytes.
 * A send resolves only when every request succeeded. A failure — possibly after earlier requests
 * were written — fails every input in the merge; none is in the processed-changes ledger yet
 * (it is written after the send), so each is retried and re-publishes the same event ids:
 * consumers dedupe on id, as for any redelivery.
 */
@Injectable()
export class WorkerProducer implements OnApplicationShutdown {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private closed = false;
  private readonly requests = new GroupCommit<TopicMessages[], void>((batches) => this.sendMerged(batches), { isolateFailures: false });

  constructor(private readonly config: WorkerConfig) {}

  sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    return this.requests.submit(topicMessages);
  }

  /** Several inputs' batches merged, then sent as bounded requests; each topic's messages keep the inputs' order. */
  private async sendMerged(batches: TopicMessages[][]): Promise<void[]> {
    const producer = await this.connected();
    const byTopic = new Map<string, Message[]>();
    for (const batch of batches) {
      for (const { topic, messages } of batch) {
        const list = byTopic.get(topic);
        if (list) list.push(...messages);
        else byTopic.set(topic, [...messages]);
      }
    }
    const merged = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
    for (const { topicMessages, bytes } of splitIntoProduceRequests(merged)) {
      await producer.sendBatch({ topicMessages, acks: -1, compression: compressionFor(bytes) });
    }
    return batches.map(() => undefined);
  }

  /** Runs after Nest has stopped the consumer (and awaited its in-flight record). */
  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const producer = this.producer ?? (await this.connecting?.catch(() => undefined));
    this.producer = undefined;
    this.connecting = undefined;
    await producer?.disconnect();
  }

  /** Connects on first use, so a broker outage at start-up becomes a retried send, not a crash. */
  private connected(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.closed) return Promise.reject(new Error('the worker producer is shut down'));
    this.connecting ??= (async () => {
      const producer = createKafkaClient(this.config, 'idsync-sync-worker-producer').producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      try {
        await producer.connect();
      } catch (err) {
        this.connecting = undefined;
        throw err;
      }
      this.producer = producer;
      return producer;
    })();
    return this.connecting;
  }
}
