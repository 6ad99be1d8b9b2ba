// SEC-04 / AS-REG-06: the address classification behind the metadata document fetcher.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, mayConnectTo, type AddressClass } from './address-policy';

const TABLE: [string, AddressClass][] = [
  // IPv4 public
  ['8.8.8.8', 'public'],
  ['1.1.1.1', 'public'],
  ['93.184.216.34', 'public'],
  ['172.15.255.255', 'public'],
  ['172.32.0.0', 'public'],
  ['100.63.255.255', 'public'],
  ['100.128.0.0', 'public'],
  ['223.255.255.255', 'public'],
  // IPv4 special
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['169.254.169.254', 'link_local'], // cloud metadata endpoint
  ['100.64.0.1', 'shared'],
  ['100.127.255.255', 'shared'],
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['192.0.0.8', 'reserved'],
  ['192.0.2.1', 'reserved'],
  ['198.18.0.1', 'reserved'],
  ['198.19.255.255', 'reserved'],
  ['198.51.100.7', 'reserved'],
  ['203.0.113.9', 'reserved'],
  ['240.0.0.1', 'reserved'],
  ['255.255.255.255', 'reserved'],
  // IPv6 public
  ['2606:4700:4700::1111', 'public'],
  ['2a00:1450:4001:82a::200e', 'public'],
  // IPv6 special
  ['::', 'unspecified'],
  ['::1', 'loopback'],
  ['0:0:0:0:0:0:0:1', 'loopback'],
  ['fc00::1', 'private'],
  ['fd12:3456:789a::1', 'private'],
  ['fe80::1', 'link_local'],
  ['fe80::1%eth0', 'link_local'],
  ['febf::1', 'link_local'],
  ['fec0::1', 'link_local'],
  ['ff02::1', 'multicast'],
  ['ff05::2', 'multicast'],
  ['2001:db8::1', 'reserved'],
  ['2001::1', 'reserved'], // Teredo
  ['100::1', 'reserved'],
  ['3fff::1', 'reserved'],
  ['4000::1', 'reserved'], // outside 2000::/3
  ['::8.8.8.8', 'reserved'], // IPv4-compatible, deprecated
  // IPv4 inside IPv6: judged as the IPv4 address
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:169.254.169.254', 'link_local'],
  ['::ffff:a9fe:a9fe', 'link_local'],
  ['::ffff:8.8.8.8', 'public'],
  ['0:0:0:0:0:ffff:192.168.0.1', 'private'],
  ['::ffff:0:127.0.0.1', 'loopback'], // IPv4-translated
  ['64:ff9b::127.0.0.1', 'loopback'], // NAT64
  ['64:ff9b::a00:1', 'private'],
  ['64:ff9b:1::8.8.8.8', 'public'],
  ['2002:7f00:1::', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ['2002:808:808::1', 'public'],
  // Not addresses
  ['localhost', 'invalid'],
  ['example.com', 'invalid'],
  ['1.2.3', 'invalid'],
  ['', 'invalid'],
];

describe('classifyAddress (SEC-04 ranges, v4 and v6, IPv4 embedded in v6)', () => {
  for (const [address, expected] of TABLE) {
    it(`${address || '(empty)'} → ${expected}`, () => assert.equal(classifyAddress(address), expected));
  }
});

describe('mayConnectTo', () => {
  it('only public addresses without the development setting', () => {
    assert.equal(mayConnectTo('8.8.8.8', false), true);
    assert.equal(mayConnectTo('::ffff:8.8.8.8', false), true);
    for (const blocked of [
      '127.0.0.1',
      '::1',
      '::ffff:127.0.0.1',
      '10.0.0.1',
      '169.254.169.254',
      'fd00::1',
      'x',
    ]) {
      assert.equal(mayConnectTo(blocked, false), false, blocked);
    }
  });
  it('the development setting adds loopback, and only loopback', () => {
    assert.equal(mayConnectTo('127.0.0.1', true), true);
    assert.equal(mayConnectTo('::1', true), true);
    for (const blocked of ['10.0.0.1', '192.168.1.1', '169.254.169.254', 'fe80::1', '0.0.0.0', '::']) {
      assert.equal(mayConnectTo(blocked, true), false, blocked);
    }
  });
});
