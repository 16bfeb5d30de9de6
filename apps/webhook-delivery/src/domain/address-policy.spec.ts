import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddressPolicy } from './address-policy';

describe('AddressPolicy', () => {
  const strict = AddressPolicy.fromConfig('');

  it('refuses loopback, private, link-local/metadata, CGNAT and special IPv4 ranges', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '169.254.0.1', '100.64.0.1', '100.127.255.255', '0.0.0.0', '224.0.0.1', '255.255.255.255', '198.18.0.1']) {
      const verdict = strict.check(address);
      assert.equal(verdict.allowed, false, address);
    }
  });

  it('refuses IPv6 loopback, ULA, link-local, unspecified, multicast and mapped/NAT64 forms', () => {
    for (const address of ['::1', '[::1]', '::', 'fc00::1', 'fd00:ec2::254', 'fe80::1', 'fe80::1%eth0', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1']) {
      assert.equal(strict.check(address).allowed, false, address);
    }
  });

  it('allows public addresses and the edges just outside refused ranges', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '11.0.0.1', '2606:2800:220:1:248:1893:25c8:1946', '2001:4860:4860::8888']) {
      assert.deepEqual(strict.check(address), { allowed: true }, address);
    }
  });

  it('names the reason of a refusal', () => {
    const verdict = strict.check('169.254.169.254');
    assert.equal(verdict.allowed, false);
    assert.match(verdict.allowed ? '' : verdict.reason, /link-local/);
  });

  it('exempts exactly the allow-listed CIDRs', () => {
    const policy = AddressPolicy.fromConfig('127.0.0.1/32, 10.1.0.0/16,::1/128');
    assert.equal(policy.check('127.0.0.1').allowed, true);
    assert.equal(policy.check('::ffff:127.0.0.1').allowed, true);
    assert.equal(policy.check('127.0.0.2').allowed, false);
    assert.equal(policy.check('10.1.200.3').allowed, true);
    assert.equal(policy.check('10.2.0.1').allowed, false);
    assert.equal(policy.check('::1').allowed, true);
    assert.equal(policy.check('169.254.169.254').allowed, false);
  });

  it('refuses what is not an IP address and rejects malformed allow-lists', () => {
    assert.equal(strict.check('localhost').allowed, false);
    assert.throws(() => AddressPolicy.fromConfig('10.0.0.0'), /WEBHOOK_ALLOWED_CIDRS/);
    assert.throws(() => AddressPolicy.fromConfig('nope/8'), /WEBHOOK_ALLOWED_CIDRS/);
  });
});
