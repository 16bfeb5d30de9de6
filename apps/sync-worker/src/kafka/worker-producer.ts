import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Message, Producer } from 'kafkajs';
import { createKafkaClient } from '@idsync/platform';
import { WorkerConfig } from '../config/worker.config';

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/**
 * The worker's one producer: idempotent (no duplicates from its own retries), acks=all, one
 * request in flight (order kept across retries). Everything one input yields goes out in one
 * sendBatch, so an input's events and state records are published together or the call fails.
 */
@Injectable()
export class WorkerProducer implements OnApplicationShutdown {
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private closed = false;

  constructor(private readonly config: WorkerConfig) {}

  async sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    const producer = await this.connected();
    await producer.sendBatch({ topicMessages, acks: -1 });
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
