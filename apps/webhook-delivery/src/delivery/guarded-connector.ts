import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { AddressPolicy } from '../domain/address-policy';

/** The connection was refused by the SSRF policy before any socket was opened. */
export class AddressRefusedError extends Error {
  readonly code = 'ERR_WEBHOOK_ADDRESS_REFUSED';
  constructor(reason: string) {
    super(`address refused: ${reason}`);
    this.name = 'AddressRefusedError';
  }
}

/**
 * A DNS lookup that fails when any resolved address is refused: net.connect only ever dials what
 * this returns, so the check applies to the address actually connected to (no DNS rebinding gap
 * between a check and the connect).
 */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...(options as LookupOptions), all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => policy.check(a.address)).find((v) => !v.allowed);
      if (refused && !refused.allowed) return callback(new AddressRefusedError(`${hostname} resolves to ${refused.reason}`), '', 0);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} did not resolve`), { code: 'ENOTFOUND' }), '', 0);
      if ((options as LookupOptions).all) {
        (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      } else {
        callback(null, addresses[0].address, addresses[0].family);
      }
    });
  };
}

/**
 * undici connector enforcing the policy at connect time: IP-literal hosts are checked here (Node
 * skips the lookup for them), hostnames through the guarded lookup.
 */
export function guardedConnector(policy: AddressPolicy, connectTimeoutMs: number): buildConnector.connector {
  const connect = buildConnector({ timeout: connectTimeoutMs, lookup: guardedLookup(policy) } as buildConnector.BuildOptions);
  return (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const verdict = policy.check(host);
      if (!verdict.allowed) {
        callback(new AddressRefusedError(verdict.reason), null);
        return;
      }
    }
    connect(options, callback);
  };
}
