// The call-back number as the agent reads it out, and dates typed the way the UI's locale writes them.
import { describe, expect, it } from 'vitest';
import { phoneForDialling, phoneForReading } from '../../renderer/src/phone.ts';
import { dayStart } from '../../renderer/src/date-input.ts';

describe('phone numbers for reading aloud', () => {
  it('Norwegian mobiles 3-2-3, other Norwegian numbers 2-2-2-2, whatever the input spacing', () => {
    expect(phoneForReading('+4791234567')).toBe('+47 912 34 567');
    expect(phoneForReading('+47 912 34 567')).toBe('+47 912 34 567');
    expect(phoneForReading('0047 41234567')).toBe('+47 412 34 567');
    expect(phoneForReading('+4722000000')).toBe('+47 22 00 00 00');
  });

  it('other countries: the calling code, then groups of three ending in two to four digits', () => {
    expect(phoneForReading('+46701234567')).toBe('+46 701 234 567');
    expect(phoneForReading('+442079460000')).toBe('+44 207 946 0000');
    expect(phoneForReading('+12025550123')).toBe('+1 202 555 0123');
    expect(phoneForReading('+3584012345')).toBe('+358 401 2345');
  });

  it('leaves anything that is not an international number as it is; dials without spaces', () => {
    expect(phoneForReading(' 912 34 567 ')).toBe('912 34 567');
    expect(phoneForDialling('+47 912 34 567')).toBe('+4791234567');
    expect(phoneForDialling('0047 912 34 567')).toBe('+4791234567');
  });
});

describe('typed dates (day first, as nb and en-GB write them)', () => {
  it('reads dd.mm.yyyy, dd/mm/yyyy, d-m-yy and ISO as local midnight', () => {
    const want = new Date(2026, 11, 3).getTime();
    for (const v of ['03.12.2026', '3.12.2026', '03/12/2026', '3-12-26', '2026-12-03', ' 3.12.2026 ']) expect(dayStart(v), v).toBe(want);
  });

  it('an empty field is no filter; a date that does not exist is an error, not another day', () => {
    expect(dayStart('')).toBeUndefined();
    for (const v of ['31.02.2026', '13.13.2026', '12/31/2026', 'yesterday', '3.12']) expect(dayStart(v), v).toBeNull();
  });
});
