import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExecutionContext } from '@nestjs/common';
import { ScimError } from '@idsync/identity';
import { QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from '../backpressure/database-unavailable';
import type { ScimPrincipal, ScimTokenService } from '../tenants/scim-token.service';
import { bearerToken, ScimAuthGuard } from './scim-auth.guard';

const principal: ScimPrincipal = { tenantId: 't', tokenId: 'k' };

/** A guard over a token service that knows one token ('good'), or fails every lookup with `failure`. */
function guardWith(failure?: Error) {
  const seen: string[] = [];
  const tokens = {
    verify: async (token: string) => {
      seen.push(token);
      if (failure) throw failure;
      return token === 'idsync_scim_good' ? principal : undefined;
    },
  } as unknown as ScimTokenService;
  return { guard: new ScimAuthGuard(tokens), seen };
}

function contextFor(authorization?: string) {
  const req: { headers: Record<string, string | undefined>; user?: ScimPrincipal } = { headers: { authorization } };
  const context = { switchToHttp: () => ({ getRequest: () => req }) } as unknown as ExecutionContext;
  return { req, context };
}

describe(ScimAuthGuard.name, () => {
  it('answers a missing, malformed or unknown token with a SCIM 401, without a lookup for a malformed header', async () => {
    const { guard, seen } = guardWith();
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Bearer  idsync_scim_good', 'Basic YTpi', 'Bearer idsync_scim_other', 'Bearerx idsync_scim_good']) {
      const { context, req } = contextFor(header);
      await assert.rejects(guard.canActivate(context), (e: unknown) => e instanceof ScimError && e.status === 401, String(header));
      assert.equal(req.user, undefined);
    }
    assert.deepEqual(seen, ['idsync_scim_other']);
  });

  it('rethrows a failed token lookup (database down) instead of calling it a bad credential', async () => {
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    await assert.rejects(guardWith(terminated).guard.canActivate(contextFor('Bearer idsync_scim_good').context), (e: unknown) => e === terminated);
    assert.equal(isDatabaseUnavailable(terminated), true, 'the exception filter turns it into a 503');
    assert.equal(isDatabaseUnavailable(new Error('Client has encountered a connection error and is not queryable')), true);
    assert.equal(isDatabaseUnavailable(new QueryRunnerProviderAlreadyReleasedError()), true, 'a transaction whose connection was terminated is retryable');
  });

  it('puts the resolved principal on the request (any case of the scheme)', async () => {
    const { guard } = guardWith();
    for (const header of ['Bearer idsync_scim_good', 'bearer idsync_scim_good', 'BEARER idsync_scim_good']) {
      const { context, req } = contextFor(header);
      assert.equal(await guard.canActivate(context), true);
      assert.equal(req.user, principal);
    }
  });

  it('bearerToken reads only a two-part Bearer header', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bEaReR abc'), 'abc');
    assert.equal(bearerToken('Bearer abc def'), undefined);
    assert.equal(bearerToken('Token abc'), undefined);
    assert.equal(bearerToken('Bearer'), undefined);
  });
});
