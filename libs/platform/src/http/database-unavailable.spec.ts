import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

describe('isDatabaseUnavailable', () => {
  it('is true for a transaction whose connection died under it (TypeORM released the runner before COMMIT)', () => {
    assert.equal(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError()), true);
    assert.equal(isDatabaseUnavailable(new QueryRunnerProviderAlreadyReleasedError()), true);
  });

  it('is true for terminated backends, refused connections and pool timeouts', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    assert.equal(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], terminated)), true);
    assert.equal(isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), true);
    assert.equal(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect')), true);
  });

  it('is false for a query the database refused on its merits and for non-errors', () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    assert.equal(isDatabaseUnavailable(new QueryFailedError('INSERT', [], unique)), false);
    assert.equal(isDatabaseUnavailable('57P01'), false);
    assert.equal(isDatabaseUnavailable(undefined), false);
  });
});
