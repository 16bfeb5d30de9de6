import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Message, Producer } from 'kafkajs';
import { createKafkaClient, GroupCommit } from '@idsync/platform';
import { WorkerConfig } from '../config/worker.config';

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/**
 * The worker's one producer: idempotent (no duplicates from its own retries), acks=all, one
 * request in flight (order kept across retries). Everything one input yields goes out in one
 * sendBatch, so an input's events and state records are published together or the call fails.
 * The batches of inputs in flight at the same moment (concurrent partitions) share one produce
 * request (group commit): with one request in flight, a request per input would serialise every
 * partition behind one acks=all round trip each. A failed request fails every input in it; each
 * retries (same event ids, consumers dedupe), as before.
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

  /** One request for several inputs' batches; each topic's messages keep the inputs' order. */
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
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })), acks: -1 });
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
