// Deterministic synthetic directory data for the benchmark: Norwegian-looking names, unique
// emails, E.164 phones. Same seed, same rows, so runs compare.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const FIRST = ['Kari', 'Ola', 'Per', 'Anne', 'Ingrid', 'Lars', 'Nora', 'Emma', 'Jonas', 'Sofie', 'Øyvind', 'Åse', 'Bjørn', 'Hanne', 'Erik', 'Marit', 'Sindre', 'Tone', 'Håkon', 'Liv', 'Magnus', 'Silje', 'Kristian', 'Ida', 'Eirik', 'Thea', 'Henrik', 'Maja', 'Sander', 'Vilde'];
const LAST = ['Nordmann', 'Hansen', 'Olsen', 'Johansen', 'Larsen', 'Andersen', 'Pedersen', 'Nilsen', 'Kristiansen', 'Jensen', 'Karlsen', 'Johnsen', 'Pettersen', 'Eriksen', 'Berg', 'Haugen', 'Hagen', 'Johannessen', 'Andreassen', 'Jacobsen', 'Dahl', 'Jørgensen', 'Halvorsen', 'Henriksen', 'Lund', 'Sørensen', 'Jakobsen', 'Moen', 'Gundersen', 'Iversen'];
const ORGS = Array.from({ length: 40 }, (_, i) => `Eksempel ${i + 1} AS`);

/** A tiny seeded PRNG (mulberry32): reproducible data, not security. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Row {
  email: string;
  name: string;
  phone: string;
  organization: string;
}

/** The i-th synthetic user. */
export function row(i: number, rnd: () => number): Row {
  const f = FIRST[Math.floor(rnd() * FIRST.length)]!;
  const l = LAST[Math.floor(rnd() * LAST.length)]!;
  const local = `${f}.${l}.${i}`.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/ø/g, 'o').replace(/æ/g, 'ae');
  return { email: `${local}@example.no`, name: `${f} ${l}`, phone: `+479${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}`, organization: ORGS[i % ORGS.length]! };
}

/** Writes an N-row CSV (semicolon-separated with a BOM, like an HR export) and returns its size. */
export async function writeCsv(path: string, n: number, seed = 42): Promise<void> {
  const out = createWriteStream(path);
  const rnd = prng(seed);
  out.write('\ufeffemail;name;phone;organization\n');
  let buf = '';
  for (let i = 0; i < n; i++) {
    const r = row(i, rnd);
    buf += `${r.email};${r.name};${r.phone};${r.organization}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.write(buf);
  out.end();
  await once(out, 'finish');
}

/** The same rows in memory (for the raw-INSERT baseline). */
export function rows(n: number, seed = 42): Row[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, (_, i) => row(i, rnd));
}
