import { BlockList, isIP } from 'node:net';

/**
 * SEC-04 / AS-REG-06: which addresses a Client ID Metadata Document may be fetched from. Only public
 * unicast addresses; everything an attacker could use to reach the server's own network is refused.
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'shared'
  | 'multicast'
  | 'reserved'
  | 'invalid';

const v4 = (entries: [string, number][]): BlockList => {
  const list = new BlockList();
  for (const [net, prefix] of entries) list.addSubnet(net, prefix, 'ipv4');
  return list;
};
const v6 = (entries: [string, number][]): BlockList => {
  const list = new BlockList();
  for (const [net, prefix] of entries) list.addSubnet(net, prefix, 'ipv6');
  return list;
};

/** In order: the first list that contains the address names its class (RFC 6890 special-purpose registry). */
const V4_CLASSES: [AddressClass, BlockList][] = [
  ['unspecified', v4([['0.0.0.0', 8]])],
  ['loopback', v4([['127.0.0.0', 8]])],
  [
    'private',
    v4([
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ]),
  ],
  ['link_local', v4([['169.254.0.0', 16]])],
  ['shared', v4([['100.64.0.0', 10]])], // RFC 6598 carrier-grade NAT
  ['multicast', v4([['224.0.0.0', 4]])],
  [
    'reserved',
    v4([
      ['192.0.0.0', 24], // IETF protocol assignments
      ['192.0.2.0', 24], // TEST-NET-1
      ['198.18.0.0', 15], // benchmarking
      ['198.51.100.0', 24], // TEST-NET-2
      ['203.0.113.0', 24], // TEST-NET-3
      ['192.88.99.0', 24], // 6to4 relay anycast
      ['240.0.0.0', 4], // reserved, incl. 255.255.255.255
    ]),
  ],
];

const V6_CLASSES: [AddressClass, BlockList][] = [
  ['unspecified', v6([['::', 128]])],
  ['loopback', v6([['::1', 128]])],
  ['private', v6([['fc00::', 7]])], // unique local
  [
    'link_local',
    v6([
      ['fe80::', 10],
      ['fec0::', 10], // deprecated site-local
    ]),
  ],
  ['multicast', v6([['ff00::', 8]])],
  [
    'reserved',
    v6([
      ['::', 96], // IPv4-compatible (deprecated)
      ['100::', 64], // discard-only
      ['2001::', 23], // IETF protocol assignments, incl. Teredo 2001::/32
      ['2001:db8::', 32], // documentation
      ['3fff::', 20], // documentation (RFC 9637)
      ['5f00::', 16], // SRv6 SIDs
    ]),
  ],
];

/** 2000::/3 is the only globally routed unicast space; anything else is not a public address. */
const V6_GLOBAL = v6([['2000::', 3]]);

/** The IPv4 address carried inside an IPv6 one that translates to it (mapped, NAT64, 6to4), if any. */
function embeddedV4(address: string): string | null {
  const groups = expandV6(address);
  if (!groups) return null;
  const tail = `${groups[6] >> 8}.${groups[6] & 0xff}.${groups[7] >> 8}.${groups[7] & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((g) => g === 0);
  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (IPv4-translated)
  if (zeros(0, 5) && groups[5] === 0xffff) return tail;
  if (zeros(0, 4) && groups[4] === 0xffff && groups[5] === 0) return tail;
  // 64:ff9b::/96 well-known NAT64 prefix and 64:ff9b:1::/48 local-use NAT64 (RFC 8215)
  if (groups[0] === 0x64 && groups[1] === 0xff9b && (zeros(2, 6) || groups[2] === 1)) return tail;
  // 2002::/16 6to4: the IPv4 address is in groups 1-2
  if (groups[0] === 0x2002) {
    return `${groups[1] >> 8}.${groups[1] & 0xff}.${groups[2] >> 8}.${groups[2] & 0xff}`;
  }
  return null;
}

/** Eight 16-bit groups of an IPv6 address (with an optional dotted IPv4 tail), or null. */
function expandV6(address: string): number[] | null {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((parts[0] << 8) | parts[1]).toString(16)}:${((parts[2] << 8) | parts[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail].map((g) =>
    /^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN,
  );
  return groups.some((g) => Number.isNaN(g)) ? null : groups;
}

/** Classifies an IP address literal (v4 or v6; IPv4 embedded in v6 is classified as the IPv4 address). */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address.split('%')[0]);
  if (family === 4) {
    for (const [kind, list] of V4_CLASSES) if (list.check(address, 'ipv4')) return kind;
    return 'public';
  }
  if (family === 6) {
    const bare = address.split('%')[0];
    const inner = embeddedV4(bare);
    if (inner !== null) {
      const kind = classifyAddress(inner);
      // An IPv4-mapped public address is still a public address; anything else embedded is judged as v4.
      return kind;
    }
    for (const [kind, list] of V6_CLASSES) if (list.check(bare, 'ipv6')) return kind;
    return V6_GLOBAL.check(bare, 'ipv6') ? 'public' : 'reserved';
  }
  return 'invalid';
}

/** Whether a fetch may connect to this address; `allowLoopback` is the development setting (never in production). */
export function mayConnectTo(address: string, allowLoopback: boolean): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (allowLoopback && kind === 'loopback');
}
