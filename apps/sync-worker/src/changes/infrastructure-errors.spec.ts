import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import {
  KafkaJSAggregateError,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import pg, { DatabaseError } from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isInfrastructureError } from './infrastructure-errors';

// kafkajs builds its protocol errors from this table when a broker answers with an error code.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode: (code: number) => Error };
const protocolError = (code: number) => new KafkaJSProtocolError(createErrorFromCode(code));
// What kafkajs's retrier throws when it bails out on an error (its typings omit the options).
const bailedOut = (e: Error) => new (KafkaJSNonRetriableError as unknown as new (e: Error, o: { cause: Error }) => Error)(e, { cause: e });

/** A DatabaseError as pg-protocol's parser makes it from a server ErrorResponse. */
function pgError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, 100, 'error');
  error.severity = 'ERROR';
  error.code = code;
  return error;
}

/** The error pg really gives for a server that accepts and at once drops connections, or for a port nobody listens on. */
async function pgConnectError(server: 'drops' | 'absent'): Promise<Error> {
  const listener = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  if (server === 'absent') await new Promise<void>((resolve) => listener.close(() => resolve()));
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'x', database: 'x', connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    throw new Error('connected unexpectedly');
  } catch (err) {
    return err as Error;
  } finally {
    if (server === 'drops') await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
}

describe('isInfrastructureError', () => {
  describe('Kafka unavailable or moving: retried without limit', () => {
    const cases: Array<[string, Error]> = [
      ['KafkaJSConnectionError (broker down)', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092', { broker: '127.0.0.1:9092', code: 'ECONNREFUSED' })],
      ['KafkaJSRequestTimeoutError', new KafkaJSRequestTimeoutError('Request Produce(key: 0, version: 7) timed out', { broker: '127.0.0.1:9092', clientId: 'idsync-sync-worker-producer', correlationId: 4, createdAt: 0, sentAt: 0, pendingDuration: 0 })],
      ['KafkaJSNumberOfRetriesExceeded over a connection error', new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error'), { retryCount: 5, retryTime: 3_000 })],
      ['KafkaJSProtocolError NOT_LEADER_FOR_PARTITION (retriable)', protocolError(6)],
      ['KafkaJSProtocolError LEADER_NOT_AVAILABLE (retriable)', protocolError(5)],
      ['KafkaJSProtocolError NOT_ENOUGH_REPLICAS (retriable)', protocolError(19)],
      ['KafkaJSProtocolError UNKNOWN_PRODUCER_ID (producer state after a restart)', protocolError(59)],
      ['KafkaJSError "The producer is disconnected" (retriable)', new KafkaJSError('The producer is disconnected')],
      ['KafkaJSNonRetriableError wrapping a connection error', bailedOut(new KafkaJSConnectionError('Connection error'))],
      ['KafkaJSAggregateError of connection errors', new KafkaJSAggregateError('Errors sending', [new KafkaJSConnectionError('a'), protocolError(6)])],
    ];
    for (const [what, error] of cases) {
      it(what, () => assert.equal(isInfrastructureError(error), true, `${error.name}: ${error.message}`));
    }
  });

  describe('PostgreSQL unavailable: retried without limit', () => {
    it('pg connecting to a port nobody listens on (ECONNREFUSED)', async () => {
      const error = await pgConnectError('absent');
      assert.equal((error as { code?: string }).code, 'ECONNREFUSED');
      assert.equal(isInfrastructureError(error), true);
    });

    it('pg connecting to a server that drops the connection ("Connection terminated unexpectedly")', async () => {
      const error = await pgConnectError('drops');
      assert.match(error.message, /Connection terminated/);
      assert.equal(isInfrastructureError(error), true);
    });

    const cases: Array<[string, Error]> = [
      ['57P01 terminating connection due to administrator command (pg_terminate_backend)', pgError('57P01', 'terminating connection due to administrator command')],
      ['57P02 crash shutdown', pgError('57P02', 'terminating connection because of crash of another server process')],
      ['57P03 the database system is starting up', pgError('57P03', 'the database system is starting up')],
      ['53300 too many connections', pgError('53300', 'sorry, too many clients already')],
      ['08006 connection failure', pgError('08006', 'connection failure')],
      ['40001 serialization failure', pgError('40001', 'could not serialize access due to concurrent update')],
      ['40P01 deadlock detected', pgError('40P01', 'deadlock detected')],
      ['TypeORM QueryFailedError over 57P01', new QueryFailedError('SELECT 1', [], pgError('57P01', 'terminating connection due to administrator command'))],
      ['TypeORM QueryFailedError over a dead client', new QueryFailedError('SELECT 1', [], new Error('Client has encountered a connection error and is not queryable'))],
      ['TypeORM QueryRunnerAlreadyReleasedError', new QueryRunnerAlreadyReleasedError()],
      ['TypeORM QueryRunnerProviderAlreadyReleasedError (transaction connection died)', new QueryRunnerProviderAlreadyReleasedError()],
      ['pg-pool acquire timeout', new Error('timeout exceeded when trying to connect')],
      ['an application error whose cause is ECONNRESET', new Error('ledger write failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) })],
    ];
    for (const [what, error] of cases) {
      it(what, () => assert.equal(isInfrastructureError(error), true, `${error.name}: ${error.message}`));
    }
  });

  describe('the record or the code is wrong: keeps the WORKER_MAX_ATTEMPTS budget', () => {
    const cases: Array<[string, unknown]> = [
      ['KafkaJSProtocolError MESSAGE_TOO_LARGE (not retriable)', protocolError(10)],
      ['KafkaJSNonRetriableError wrapping MESSAGE_TOO_LARGE, as kafkajs retry bails out', bailedOut(protocolError(10))],
      ['KafkaJSProtocolError INVALID_RECORD', protocolError(87)],
      ['KafkaJSAggregateError mixing an outage and a too-large message', new KafkaJSAggregateError('Errors sending', [new KafkaJSConnectionError('a'), protocolError(10)])],
      ['42P01 undefined table (schema/deployment fault)', pgError('42P01', 'relation "worker_processed_changes" does not exist')],
      ['23505 unique violation', pgError('23505', 'duplicate key value violates unique constraint')],
      ['22P02 invalid text representation', pgError('22P02', 'invalid input syntax for type uuid')],
      ['TypeORM QueryFailedError over 42P01', new QueryFailedError('SELECT 1', [], pgError('42P01', 'relation "x" does not exist'))],
      ['TypeError (a bug)', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['SyntaxError from JSON.parse', (() => {
        try {
          JSON.parse('{');
        } catch (err) {
          return err;
        }
      })()],
      ['a plain Error', new Error('broker unavailable')],
      ['a string', 'ECONNREFUSED'],
      ['undefined', undefined],
      ['an empty AggregateError', new AggregateError([], 'nothing')],
    ];
    for (const [what, error] of cases) {
      it(what, () => assert.equal(isInfrastructureError(error), false));
    }
  });

  it('stops following a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    assert.equal(isInfrastructureError(a), false);
  });
});
