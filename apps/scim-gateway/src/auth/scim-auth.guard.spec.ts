import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '@idsync/identity';
import { QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from '../backpressure/database-unavailable';
import { ScimAuthGuard } from './scim-auth.guard';

describe('ScimAuthGuard.handleRequest', () => {
  const guard = new ScimAuthGuard();

  it('answers a missing or unknown token with a SCIM 401', () => {
    assert.throws(() => guard.handleRequest(null, false), (e: unknown) => e instanceof ScimError && e.status === 401);
  });

  it('rethrows a failed token lookup (database down) instead of calling it a bad credential', () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    assert.throws(() => guard.handleRequest(terminated, false), (e: unknown) => e === terminated);
    assert.equal(isDatabaseUnavailable(terminated), true, 'the exception filter turns it into a 503');
    const dead = new Error('Client has encountered a connection error and is not queryable');
    assert.equal(isDatabaseUnavailable(dead), true);
    const released = new QueryRunnerProviderAlreadyReleasedError();
    assert.equal(isDatabaseUnavailable(released), true, 'a transaction whose connection was terminated is retryable');
  });

  it('passes a resolved principal through', () => {
    const principal = { tenantId: 't', tokenId: 'k' };
    assert.equal(guard.handleRequest(null, principal), principal);
  });
});
