import { CloudEvent, Kafka } from 'cloudevents';
import type { IdentityEventData } from './identity-events';

/** A Kafka record as produced (kafkajs `Message`-compatible). */
export interface EncodedIdentityEvent {
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp?: string;
}

/** What a binary-mode CloudEvent record is built from: the envelope attributes, the Kafka key and the data. */
export interface CloudEventRecordSource<T> {
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  key: string;
  extensions: object;
  data: T;
}

/**
 * The wire form of a public identity event: CloudEvents binary mode, `ce_*` headers, JSON data;
 * datacontenttype travels as `content-type` only. The one encoder — the worker publishes SCIM- and
 * Okta-sourced events with it and the contract tests validate its output.
 */
export function encodeIdentityEvent<T = IdentityEventData>(derived: CloudEventRecordSource<T>): EncodedIdentityEvent {
  const event = new CloudEvent<T>({
    specversion: '1.0',
    id: derived.id,
    source: derived.source,
    type: derived.type,
    subject: derived.subject,
    time: derived.time,
    datacontenttype: 'application/json',
    data: derived.data,
    ...derived.extensions,
  });
  // Strict construction validates the attributes; a failure here is a bug, not bad input.
  const binary = Kafka.binary(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(binary.headers)) {
    if (value === undefined || value === null || name === 'ce_datacontenttype') continue;
    headers[name] = String(value);
  }
  return { key: derived.key, value: JSON.stringify(derived.data), headers, timestamp: binary.timestamp };
}
