import { describe, expect, it } from 'vitest';
import { canonicalIp, formatIp, parseCidr, parseIp, parseIpv6 } from './ip';

describe('ip', () => {
  it('parses IPv4 strictly', () => {
    expect(parseIp('192.0.2.1')).toEqual({ v: 4, n: 0xc0000201 });
    expect(parseIp('255.255.255.255')).toEqual({ v: 4, n: 0xffffffff });
    for (const bad of ['256.0.0.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', ' 1.2.3.4', ''])
      expect(parseIp(bad), bad).toBeNull();
  });

  it('parses IPv6 forms and folds v4-mapped addresses to IPv4', () => {
    expect(parseIpv6('::')).toBe(0n);
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('2001:db8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIpv6('[2001:DB8:0:0:0:0:0:1]')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIpv6('fe80::1%eth0')).toBe(0xfe800000000000000000000000000001n);
    expect(parseIpv6('::ffff:192.0.2.1')).toBe(0xffffc0000201n);
    expect(parseIp('::ffff:192.0.2.1')).toEqual({ v: 4, n: 0xc0000201 });
    for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', ':::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3'])
      expect(parseIpv6(bad), bad).toBeNull();
  });

  it('formats canonically (RFC 5952)', () => {
    expect(canonicalIp('2001:0DB8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(canonicalIp('2001:db8:0:1:0:0:0:1')).toBe('2001:db8:0:1::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalIp('::')).toBe('::');
    expect(formatIp({ v: 4, n: 0x0a000001 })).toBe('10.0.0.1');
    expect(canonicalIp('example.com')).toBeNull();
  });

  it('parses CIDR ranges and refuses host bits', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ v: 4, net: 0x0a000000, prefix: 8 });
    expect(parseCidr('0.0.0.0/0')).toEqual({ v: 4, net: 0, prefix: 0 });
    expect(parseCidr('192.0.2.7')).toEqual({ v: 4, net: 0xc0000207, prefix: 32 });
    expect(parseCidr('2001:db8::/32')).toEqual({ v: 6, net: 0x20010db8n << 96n, prefix: 32 });
    for (const bad of ['10.0.0.1/8', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/08', '2001:db8::1/32', '::/129', 'x/8'])
      expect(parseCidr(bad), bad).toBeNull();
  });
});
