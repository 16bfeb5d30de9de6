import { BlockList, isIP } from 'node:net';

/** Address ranges a webhook may not reach unless allow-listed (SSRF protection). */
const REFUSED_RANGES: ReadonlyArray<{ cidr: string; kind: string }> = [
  { cidr: '0.0.0.0/8', kind: 'unspecified' },
  { cidr: '10.0.0.0/8', kind: 'private' },
  { cidr: '100.64.0.0/10', kind: 'carrier-grade NAT' },
  { cidr: '127.0.0.0/8', kind: 'loopback' },
  { cidr: '169.254.0.0/16', kind: 'link-local (cloud metadata)' },
  { cidr: '172.16.0.0/12', kind: 'private' },
  { cidr: '192.0.0.0/24', kind: 'IETF protocol assignment' },
  { cidr: '192.168.0.0/16', kind: 'private' },
  { cidr: '198.18.0.0/15', kind: 'benchmarking' },
  { cidr: '224.0.0.0/4', kind: 'multicast' },
  { cidr: '240.0.0.0/4', kind: 'reserved' },
  { cidr: '::/128', kind: 'unspecified' },
  { cidr: '::1/128', kind: 'loopback' },
  // IPv4-mapped and NAT64 addresses can reach IPv4 space; dotted mapped forms are checked as IPv4.
  { cidr: '::ffff:0:0/96', kind: 'IPv4-mapped' },
  { cidr: '64:ff9b::/96', kind: 'NAT64' },
  { cidr: 'fc00::/7', kind: 'unique local' },
  { cidr: 'fe80::/10', kind: 'link-local' },
  { cidr: 'fec0::/10', kind: 'site-local' },
  { cidr: 'ff00::/8', kind: 'multicast' },
];

function familyOf(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

function addSubnet(list: BlockList, cidr: string): void {
  const [network, prefix] = cidr.split('/');
  if (!isIP(network) || !/^\d+$/.test(prefix ?? '')) throw new Error(`not a CIDR: ${cidr}`);
  list.addSubnet(network, Number(prefix), familyOf(network));
}

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Decides whether a resolved IP address may be connected to. Applied at connect time to the
 * address actually dialled (after DNS), so a hostname re-pointed at an internal address after the
 * subscription was created (DNS rebinding) is refused too.
 */
export class AddressPolicy {
  private readonly refused = REFUSED_RANGES.map((r) => {
    const list = new BlockList();
    addSubnet(list, r.cidr);
    return { list, kind: r.kind, family: familyOf(r.cidr.split('/')[0]) };
  });

  private constructor(private readonly allowed: BlockList) {}

  /** `allowedCidrs`: comma-separated CIDRs exempt from the refusal (WEBHOOK_ALLOWED_CIDRS). */
  static fromConfig(allowedCidrs: string): AddressPolicy {
    const allowed = new BlockList();
    for (const cidr of allowedCidrs.split(',').map((c) => c.trim()).filter(Boolean)) {
      try {
        addSubnet(allowed, cidr);
      } catch {
        throw new Error(`WEBHOOK_ALLOWED_CIDRS: "${cidr}" is not a valid CIDR`);
      }
    }
    return new AddressPolicy(allowed);
  }

  check(rawAddress: string): AddressVerdict {
    const address = normalize(rawAddress);
    const family = isIP(address);
    if (family === 0) return { allowed: false, reason: `"${rawAddress}" is not an IP address` };
    const fam = family === 6 ? 'ipv6' : 'ipv4';
    if (this.allowed.check(address, fam)) return { allowed: true };
    // Only ranges of the address's own family: BlockList would match IPv4 against ::ffff:0:0/96.
    const hit = this.refused.find((r) => r.family === fam && r.list.check(address, fam));
    return hit ? { allowed: false, reason: `${rawAddress} is a ${hit.kind} address` } : { allowed: true };
  }
}

/** Strips IPv6 brackets/zone ids and turns IPv4-mapped IPv6 in dotted form into plain IPv4. */
function normalize(address: string): string {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  return mapped ? mapped[1] : bare;
}
