/**
 * A small consumer of idsync's public identity events — a starting point for internal teams.
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 node -r ./scripts/register.cjs examples/consumer/identity-consumer.ts
 *
 * It shows the parts every consumer needs (docs/EVENTS.md explains the contract):
 *  1. bootstrap: read the compacted users topic from the beginning up to its end, so the local
 *     directory is complete before live events are applied (tombstones delete);
 *  2. decode binary-mode CloudEvents with the `cloudevents` SDK's Kafka binding;
 *  3. deduplicate by CloudEvent id (delivery is at least once);
 *  4. act on the event type — `idsync.user.deactivated` means "revoke this user's access now".
 *
 * The types come from @idsync/contracts; outside this repository, generate them from
 * docs/asyncapi.yaml or copy the few you need.
 */
import { randomUUID } from 'node:crypto';
import { Kafka as CloudEventsKafka, type CloudEventV1, type Headers as CloudEventHeaders, type KafkaMessage as CloudEventsKafkaMessage } from 'cloudevents';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { IDENTITY_EVENT_TYPES, TOPICS, topicName, type IdentityEventData, type IdentityEventType } from '@idsync/contracts';

/** What this example keeps per user. A real service would keep it in its own database. */
export interface DirectoryUser {
  id: string;
  tenantId: string;
  userName: string;
  active: boolean;
}

export type Directory = Map<string, DirectoryUser>;

export interface ConsumerSettings {
  brokers: string[];
  /** KAFKA_TOPIC_PREFIX of the idsync deployment, if it uses one. */
  topicPrefix: string;
  /** Your application's own consumer group: one per consuming application, stable across restarts. */
  groupId: string;
}

export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConsumerSettings {
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((b) => b.trim()),
    topicPrefix: env.KAFKA_TOPIC_PREFIX ?? '',
    groupId: env.CONSUMER_GROUP_ID ?? 'example-identity-consumer',
  };
}

/** Kafka header values arrive as Buffers; the CloudEvents binding wants strings. */
function stringHeaders(headers: IHeaders | undefined): CloudEventHeaders {
  const out: CloudEventHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) out[name] = single.toString();
  }
  return out;
}

/** One Kafka record → one CloudEvent (binary mode: `ce_*` headers, JSON data in the value). */
export function decodeIdentityEvent(message: KafkaMessage): CloudEventV1<IdentityEventData> {
  const record: CloudEventsKafkaMessage<Buffer | null> = {
    key: message.key ?? '',
    value: message.value,
    body: message.value,
    headers: stringHeaders(message.headers),
  };
  const decoded = CloudEventsKafka.toEvent<IdentityEventData>(record);
  if (Array.isArray(decoded)) throw new Error('idsync never publishes batched CloudEvents');
  return decoded;
}

/**
 * Remembers the last `capacity` event ids. At-least-once delivery means an event can come again
 * (after a rebalance or a producer retry) with the same id. In production, record the id in the
 * same transaction as the event's effect instead, so a crash cannot separate the two.
 */
export class RecentEventIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity = 100_000) {}

  /** True the first time an id is seen. */
  firstTime(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }
}

/** Your side effects. This example logs; a real service calls its own systems here. */
export interface AccessActions {
  revokeAccess(user: { tenantId: string; userId: string; reason: IdentityEventType }): Promise<void>;
}

export const loggingActions: AccessActions = {
  async revokeAccess({ tenantId, userId, reason }) {
    console.log(`REVOKE ACCESS NOW: user ${userId} of tenant ${tenantId} (${reason}) — end sessions, revoke tokens`);
  },
};

function userFromResource(tenantId: string, resource: Record<string, unknown>): DirectoryUser {
  return { id: String(resource.id), tenantId, userName: String(resource.userName), active: resource.active !== false };
}

/** Applies one decoded event to the directory and triggers the access actions it calls for. */
export async function handleIdentityEvent(event: CloudEventV1<IdentityEventData>, directory: Directory, actions: AccessActions): Promise<void> {
  const data = event.data;
  if (!data) return;
  const key = `${data.tenantId}:${data.resourceId}`;
  switch (event.type) {
    case IDENTITY_EVENT_TYPES.userCreated:
    case IDENTITY_EVENT_TYPES.userUpdated:
    case IDENTITY_EVENT_TYPES.userReactivated:
      if (data.resource) directory.set(key, userFromResource(data.tenantId, data.resource));
      break;
    case IDENTITY_EVENT_TYPES.userDeactivated:
      // The departure signal: act first, then record it. Idempotent on purpose — a redelivered
      // deactivation (same id, already deduplicated here, but maybe not after a restart) must
      // be harmless.
      await actions.revokeAccess({ tenantId: data.tenantId, userId: data.resourceId, reason: event.type });
      if (data.resource) directory.set(key, userFromResource(data.tenantId, data.resource));
      break;
    case IDENTITY_EVENT_TYPES.userDeleted:
      await actions.revokeAccess({ tenantId: data.tenantId, userId: data.resourceId, reason: event.type });
      directory.delete(key);
      break;
    case IDENTITY_EVENT_TYPES.groupMemberAdded:
    case IDENTITY_EVENT_TYPES.groupMemberRemoved:
      console.log(`${event.type}: ${data.member?.type} ${data.member?.id} in group ${data.resourceId}`);
      break;
    default:
      // New event types may appear (additive changes): ignore what you do not know.
      break;
  }
}

/**
 * Bootstrap: reads the compacted users topic from the beginning until every partition reaches
 * the end offset it had when we started. Later records win; a tombstone (null value) deletes.
 */
export async function bootstrapDirectory(kafka: Kafka, settings: ConsumerSettings): Promise<Directory> {
  const topic = topicName(TOPICS.users, settings.topicPrefix);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const directory: Directory = new Map();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  if (pending.size === 0) return directory;

  // A throwaway group: the bootstrap always starts from the beginning and commits nothing.
  const consumer = kafka.consumer({ groupId: `${settings.groupId}-bootstrap-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const caughtUp = new Promise<void>((resolve) => {
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString();
        if (key) {
          if (message.value === null) directory.delete(key);
          else {
            const resource = JSON.parse(message.value.toString()) as Record<string, unknown>;
            directory.set(key, userFromResource(key.split(':')[0], resource));
          }
        }
        if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) {
          pending.delete(partition);
          if (pending.size === 0) resolve();
        }
      },
    });
  });
  await caughtUp;
  await consumer.disconnect();
  return directory;
}

/** Bootstraps, then follows idsync.identity.events.v1 until stopped. Returns a stop function. */
export async function runIdentityConsumer(settings: ConsumerSettings, actions: AccessActions = loggingActions): Promise<() => Promise<void>> {
  const kafka = new Kafka({ clientId: settings.groupId, brokers: settings.brokers, logLevel: logLevel.WARN });
  const directory = await bootstrapDirectory(kafka, settings);
  console.log(`bootstrapped ${directory.size} user(s) from ${topicName(TOPICS.users, settings.topicPrefix)}`);

  const seen = new RecentEventIds();
  const consumer = kafka.consumer({ groupId: settings.groupId });
  await consumer.connect();
  // fromBeginning only matters the first time the group runs; afterwards it resumes where it
  // committed. Events before the bootstrap snapshot replay harmlessly (state only moves forward).
  await consumer.subscribe({ topics: [topicName(TOPICS.identityEvents, settings.topicPrefix)], fromBeginning: true });
  await consumer.run({
    // kafkajs commits an offset only after eachMessage resolves: a crash mid-event re-delivers it.
    // A throw here is retried by kafkajs (the record is not skipped); a record that can never be
    // handled would block its partition, so a real service parks such records (its own DLQ).
    eachMessage: async ({ message }) => {
      const event = decodeIdentityEvent(message);
      if (!seen.firstTime(event.id)) return;
      await handleIdentityEvent(event, directory, actions);
    },
  });
  return async () => {
    await consumer.disconnect();
  };
}

if (require.main === module) {
  void (async () => {
    const stop = await runIdentityConsumer(settingsFromEnv());
    const shutdown = () => void stop().then(() => process.exit(0));
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
