/**
 * Is `error` an outage of the infrastructure the worker depends on (the Kafka cluster, PostgreSQL)
 * rather than something wrong with the record or the code? The worker retries the former without
 * an attempt limit — the record is fine and will go through once the broker or database is back —
 * and dead-letters the latter after WORKER_MAX_ATTEMPTS. Unknown errors count as "not
 * infrastructure", so the budget still bounds them.
 *
 * Follows `cause` chains (kafkajs wraps the error it gave up on; applications wrap too) and
 * TypeORM's `driverError`; a KafkaJSAggregateError/AggregateError counts when all its errors do.
 */
export function isInfrastructureError(error: unknown): boolean {
  return classify(error, 0);
}

// kafkajs errors that mean "the cluster is unreachable or moving", whatever their `retriable` flag:
// NumberOfRetriesExceeded is only raised after retriable errors, the others are connection,
// metadata, coordinator or lock waits.
const KAFKA_INFRASTRUCTURE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSTopicMetadataNotLoaded',
  'KafkaJSStaleTopicMetadataAssignment',
  'KafkaJSGroupCoordinatorNotFound',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
]);

// Broker answers kafkajs marks non-retriable but that describe broker/producer state after a
// restart or leader move, not the record (the idempotent producer re-initialises on retry).
const KAFKA_INFRASTRUCTURE_PROTOCOL_TYPES = new Set(['UNKNOWN_PRODUCER_ID', 'OUT_OF_ORDER_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'KAFKA_STORAGE_ERROR']);

/**
 * SQLSTATEs: class 08 (connection exception) and 53 (insufficient resources, e.g. 53300 too many
 * connections) by prefix; 57P01/57P02/57P03 (server shutting down, crashed, starting up);
 * 40001/40P01 (serialization failure, deadlock: the transaction was rolled back and may simply be
 * run again).
 */
const PG_INFRASTRUCTURE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);
const PG_INFRASTRUCTURE_SQLSTATE_CLASSES = ['08', '53'];

// Node socket errors on the way to PostgreSQL (or anything else over TCP).
const SOCKET_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'EAI_AGAIN']);

// pg / pg-pool's messages for a connection that died under a client or could not be made in time.
const PG_CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /is not queryable/i,
  /timeout exceeded when trying to connect/i,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
];

// TypeORM: the connection of a query runner / transaction was released or died mid-way (the server
// rolled the transaction back, so running it again is safe).
const TYPEORM_INFRASTRUCTURE_NAMES = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

const MAX_DEPTH = 5;

function classify(error: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH || typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; retriable?: unknown; type?: unknown; cause?: unknown; driverError?: unknown; errors?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  const constructorName = (error as { constructor?: { name?: string } }).constructor?.name ?? '';

  if (Array.isArray(e.errors) && (name === 'KafkaJSAggregateError' || error instanceof AggregateError)) {
    return e.errors.length > 0 && e.errors.every((inner) => classify(inner, depth + 1));
  }
  if (name.startsWith('KafkaJS')) {
    if (KAFKA_INFRASTRUCTURE_NAMES.has(name)) return true;
    if (typeof e.type === 'string' && KAFKA_INFRASTRUCTURE_PROTOCOL_TYPES.has(e.type)) return true;
    // KafkaJSProtocolError: the broker's own retriable flag (NOT_LEADER_FOR_PARTITION,
    // LEADER_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, …). Plain KafkaJSError with
    // retriable=true: e.g. "The producer is disconnected".
    if ((name === 'KafkaJSProtocolError' || name === 'KafkaJSError') && e.retriable === true) return true;
    // KafkaJSNonRetriableError and the rest: decided by what they wrap (a MESSAGE_TOO_LARGE stays "not").
    return classify(e.cause, depth + 1);
  }
  if (TYPEORM_INFRASTRUCTURE_NAMES.has(name) || TYPEORM_INFRASTRUCTURE_NAMES.has(constructorName)) return true;
  if (typeof e.code === 'string') {
    const code = e.code;
    if (SOCKET_ERROR_CODES.has(code) || PG_INFRASTRUCTURE_SQLSTATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_INFRASTRUCTURE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  if (typeof e.message === 'string' && PG_CONNECTION_MESSAGES.some((m) => m.test(e.message as string))) return true;
  return classify(e.driverError, depth + 1) || classify(e.cause, depth + 1);
}
