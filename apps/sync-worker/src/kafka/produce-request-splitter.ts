import type { Message } from 'kafkajs';

export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/** Default budget of one produce request: estimated uncompressed bytes (key + value + headers). */
export const PRODUCE_REQUEST_BUDGET_BYTES = 512 * 1024;

function bytesOf(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** Key + value + header names and values: what the record adds to a request, before compression and framing. */
export function estimatedMessageBytes(message: Message): number {
  let total = bytesOf(message.key) + bytesOf(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    total += Buffer.byteLength(name);
    for (const one of Array.isArray(value) ? value : [value]) total += bytesOf(one);
  }
  return total;
}

export interface ProduceRequest {
  topicMessages: TopicMessages[];
  /** Estimated uncompressed bytes (sum of estimatedMessageBytes). */
  bytes: number;
}

/**
 * Splits one merged batch into produce requests of at most `budgetBytes` estimated bytes each,
 * keeping every message's order within its topic (requests are sent one after the other). A
 * message larger than the budget goes alone in its request. Pure: same input, same requests.
 */
export function splitIntoProduceRequests(batch: TopicMessages[], budgetBytes = PRODUCE_REQUEST_BUDGET_BYTES): ProduceRequest[] {
  const requests: ProduceRequest[] = [];
  let current: TopicMessages[] = [];
  let currentBytes = 0;
  for (const { topic, messages } of batch) {
    for (const message of messages) {
      const size = estimatedMessageBytes(message);
      if (current.length > 0 && currentBytes + size > budgetBytes) {
        requests.push({ topicMessages: current, bytes: currentBytes });
        current = [];
        currentBytes = 0;
      }
      const last = current.at(-1);
      if (last?.topic === topic) last.messages.push(message);
      else current.push({ topic, messages: [message] });
      currentBytes += size;
    }
  }
  if (current.length > 0) requests.push({ topicMessages: current, bytes: currentBytes });
  return requests;
}
