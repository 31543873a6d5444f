// The enrollment code's shape: typed in any case with spaces or hyphens it reads the same;
// ambiguous characters (0/O, 1/I/L) and other lengths are never a code.
import { describe, expect, it } from 'vitest';
import { ENROLLMENT_CODE_ALPHABET, groupEnrollmentCode, normalizeEnrollmentCode } from '../../main/core/self-enrollment.ts';
import { enrollLang } from '../../main/server/enroll-texts.ts';

describe('enrollment codes', () => {
  it('has no ambiguous characters', () => {
    for (const ch of '01OIL') expect(ENROLLMENT_CODE_ALPHABET).not.toContain(ch);
    expect(new Set(ENROLLMENT_CODE_ALPHABET).size).toBe(31);
  });
  it('groups for reading and reads back however it is typed', () => {
    expect(groupEnrollmentCode('7KQMX4TZ9RHC')).toBe('7KQM-X4TZ-9RHC');
    for (const typed of ['7KQM-X4TZ-9RHC', '7kqm x4tz 9rhc', ' 7KQMX4TZ9RHC ']) expect(normalizeEnrollmentCode(typed)).toBe('7KQMX4TZ9RHC');
  });
  it('refuses what cannot be a code', () => {
    for (const bad of ['7KQM-X4TZ-9RH', '7KQM-X4TZ-9RHCC', '0KQM-X4TZ-9RHC', 'IKQM-X4TZ-9RHC', '123456', '', 'x'.repeat(100), 42]) expect(normalizeEnrollmentCode(bad)).toBeNull();
  });
  it('picks the page language from the browser, a switch overriding it', () => {
    expect(enrollLang(null, 'en-GB,en;q=0.9')).toBe('en');
    expect(enrollLang(null, 'nn-NO,en;q=0.5')).toBe('nb');
    expect(enrollLang('en', 'nb-NO')).toBe('en');
    expect(enrollLang(null, undefined)).toBe('nb');
  });
});
