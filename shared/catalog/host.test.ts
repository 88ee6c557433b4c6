import { describe, expect, it } from 'vitest';
import { hostFromUrl, normalizeHost } from './host';

describe('host', () => {
  it('normalises case, trailing dots and IDNs', () => {
    expect(normalizeHost('Drive.Google.COM.')).toBe('drive.google.com');
    expect(normalizeHost(' example.com ')).toBe('example.com');
    expect(normalizeHost('MÜNCHEN.de')).toBe('xn--mnchen-3ya.de');
    expect(normalizeHost('xn--mnchen-3ya.de')).toBe('xn--mnchen-3ya.de');
    expect(normalizeHost('例え.テスト')).toBe('xn--r8jz45g.xn--zckzah');
    expect(normalizeHost('_dmarc.example.com')).toBe('_dmarc.example.com');
  });

  it('canonicalises IPs', () => {
    expect(normalizeHost('[2001:DB8::1]')).toBe('2001:db8::1');
    expect(normalizeHost('192.0.2.1')).toBe('192.0.2.1');
  });

  it('refuses what is not a host', () => {
    for (const bad of [
      '',
      '   ',
      'a b.com',
      'example.com/x',
      'user@example.com',
      'example.com:443',
      'a..b.com',
      '.example.com',
    ]) {
      expect(normalizeHost(bad), bad).toBeNull();
    }
  });

  it('takes the host out of URLs', () => {
    expect(hostFromUrl('https://user:pw@Drive.Google.com:443/file/d/1?x=1#y')).toBe('drive.google.com');
    expect(hostFromUrl('drive.google.com/file')).toBe('drive.google.com');
    expect(hostFromUrl('drive.google.com:8443')).toBe('drive.google.com');
    expect(hostFromUrl('http://[2001:db8::1]:8080/')).toBe('2001:db8::1');
    expect(hostFromUrl('https://münchen.de/')).toBe('xn--mnchen-3ya.de');
    expect(hostFromUrl('ftp://files.example.org/a')).toBe('files.example.org');
    expect(hostFromUrl('')).toBeNull();
    expect(hostFromUrl('file:///etc/passwd')).toBeNull();
    expect(hostFromUrl('http://')).toBeNull();
  });
});
