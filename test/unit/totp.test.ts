import { describe, expect, it } from 'vitest';
import { base32NoPad, enrollmentUri, groupKey, matchTotp, totpAt } from '../../main/core/totp.ts';

// RFC 6238 Appendix B uses the 20-byte ASCII seed "12345678901234567890" for SHA-1.
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');

describe('TOTP against RFC 6238 Appendix B (SHA-1, 8 digits)', () => {
  const rows: Array<[number, string]> = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, code] of rows) {
    it(`T = ${seconds} s gives ${code}`, () => {
      expect(totpAt(RFC_SECRET, seconds * 1000, 8)).toBe(code);
    });
  }
});

describe('HOTP values of RFC 4226 Appendix D through the TOTP path (counter = T / 30 s)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  expected.forEach((code, counter) => {
    it(`counter ${counter} gives ${code}`, () => {
      expect(totpAt(RFC_SECRET, counter * 30 * 1000)).toBe(code);
      // Anywhere inside the step gives the same code.
      expect(totpAt(RFC_SECRET, counter * 30 * 1000 + 29_999)).toBe(code);
    });
  });
});

describe('matchTotp window and replay', () => {
  const t = 1_800_000_015_000; // 15 s into a step
  const step = Math.floor(t / 30_000);
  const at = (s: number) => totpAt(RFC_SECRET, s * 30_000);

  it('accepts the current step and one either side, and says which', () => {
    expect(matchTotp(RFC_SECRET, at(step), t, null)).toEqual({ ok: true, step });
    expect(matchTotp(RFC_SECRET, at(step - 1), t, null)).toEqual({ ok: true, step: step - 1 });
    expect(matchTotp(RFC_SECRET, at(step + 1), t, null)).toEqual({ ok: true, step: step + 1 });
  });

  it('rejects two steps away as wrong', () => {
    expect(matchTotp(RFC_SECRET, at(step - 2), t, null)).toEqual({ ok: false, reason: 'wrong' });
    expect(matchTotp(RFC_SECRET, at(step + 2), t, null)).toEqual({ ok: false, reason: 'wrong' });
  });

  it('rejects the last accepted step and older ones as reused', () => {
    expect(matchTotp(RFC_SECRET, at(step), t, step)).toEqual({ ok: false, reason: 'reused' });
    expect(matchTotp(RFC_SECRET, at(step - 1), t, step)).toEqual({ ok: false, reason: 'reused' });
    expect(matchTotp(RFC_SECRET, at(step + 1), t, step)).toEqual({ ok: true, step: step + 1 });
  });
});

describe('base32, key grouping and the enrollment URI', () => {
  it('encodes RFC 4648 base32 without padding', () => {
    expect(base32NoPad(RFC_SECRET)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32NoPad(Buffer.from('foobar'))).toBe('MZXW6YTBOI'); // RFC 4648 §10, "MZXW6YTBOI======" unpadded
    expect(base32NoPad(Buffer.from('f'))).toBe('MY');
  });

  it('groups the typed key in fours', () => {
    expect(groupKey('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    expect(groupKey('MZXW6YTBOI')).toBe('MZXW 6YTB OI');
  });

  it('builds otpauth://totp/ISSUER:EMAIL with percent-encoding and no padding', () => {
    const secret = Buffer.from('0123456789abcdef'); // 16 bytes: base32 would need "======"
    const uri = enrollmentUri('Eksempel AS', 'øyvind+test@example.no', secret);
    expect(uri).toBe(`otpauth://totp/Eksempel%20AS:%C3%B8yvind%2Btest%40example.no?secret=${base32NoPad(secret)}&issuer=Eksempel%20AS`);
    const parsed = new URL(uri);
    expect(parsed.searchParams.get('secret')).toMatch(/^[A-Z2-7]+$/);
    expect(parsed.searchParams.get('secret')!.length).toBe(26);
    expect(uri).not.toContain('%3D');
    expect(uri.split('?')[1]).not.toMatch(/=[^&]*=/);
    expect(parsed.searchParams.get('issuer')).toBe('Eksempel AS');
    const label = /^otpauth:\/\/totp\/([^?]*)\?/.exec(uri)![1]!;
    expect(label.split(':').map(decodeURIComponent)).toEqual(['Eksempel AS', 'øyvind+test@example.no']);
  });
});
