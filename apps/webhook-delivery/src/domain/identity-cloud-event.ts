/** A public identity event in CloudEvents structured JSON form: the body of every webhook. */
export interface StructuredCloudEvent {
  specversion: string;
  id: string;
  type: string;
  source: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  data: unknown;
  /** Extension attributes (sequence, tenantid, actor, changeid, …). */
  [extension: string]: unknown;
}

/** What webhook delivery needs from one record of the public topic. */
export interface IdentityEvent {
  tenantId: string;
  /** Kafka key (`tenant:subject`): one resource's events, for ordered delivery. */
  subjectKey: string;
  cloudEvent: StructuredCloudEvent;
}

export class InvalidIdentityEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidIdentityEventError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function headerText(value: unknown): string | undefined {
  if (value == null) return undefined;
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return JSON.stringify(value);
}

function parseData(value: unknown): unknown {
  if (value == null) return null;
  const text = typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  if (text === undefined) return value;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Turns a binary-mode Kafka record (`ce_*` headers, JSON value) into the structured form:
 * every `ce_` header becomes an attribute, the value becomes `data`.
 */
export function identityEventFromKafkaRecord(headers: Record<string, unknown> | undefined, value: unknown, key: unknown): IdentityEvent {
  const attributes: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const text = headerText(raw);
    if (name.startsWith('ce_') && text !== undefined) attributes[name.slice(3)] = text;
  }
  for (const required of ['id', 'type', 'source', 'specversion', 'tenantid']) {
    if (!attributes[required]) throw new InvalidIdentityEventError(`record has no ce_${required} header`);
  }
  if (!UUID.test(attributes.tenantid)) throw new InvalidIdentityEventError('ce_tenantid is not a UUID');
  const { specversion, id, type, source, ...rest } = attributes;
  const contentType = headerText(headers?.['content-type']);
  const cloudEvent: StructuredCloudEvent = {
    specversion,
    id,
    type,
    source,
    ...rest,
    ...(contentType && !rest.datacontenttype ? { datacontenttype: contentType } : {}),
    data: parseData(value),
  };
  const keyText = headerText(key);
  return { tenantId: attributes.tenantid, subjectKey: keyText || `${attributes.tenantid}:${attributes.subject ?? id}`, cloudEvent };
}
