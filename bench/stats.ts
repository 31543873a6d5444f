/** Percentile of a sample (nearest rank). */
export function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Times `fn` `n` times; returns sorted durations in ms. */
export function timeMany(n: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

/** Async variant of timeMany. */
export async function timeManyAsync(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out.sort((a, b) => a - b);
}

/** One figure in bench/results.json. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline?: number;
  ratio?: number;
  target: string;
  pass: boolean;
  /** Said instead of a value that could not be measured (the value is then null in the JSON). */
  note?: string;
}

/** Builds a figure, computing the ratio against a baseline when given. */
export function figure(name: string, value: number, unit: string, target: string, pass: (v: number, ratio?: number) => boolean, baseline?: number): Figure {
  const f: Figure = { name, value: round(value), unit, target, pass: false };
  if (baseline !== undefined) {
    f.baseline = round(baseline);
    f.ratio = round(value / baseline);
  }
  f.pass = pass(value, f.ratio);
  return f;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** A Markdown table of the figures. */
export function markdown(figs: Figure[]): string {
  const lines = ['| figure | value | baseline | ratio | target | pass |', '|---|---:|---:|---:|---|---|'];
  // A figure without a target ("reported") passes nothing: its pass column says so.
  for (const f of figs) lines.push(`| ${f.name} | ${f.note ?? `${f.value} ${f.unit}`} | ${f.baseline ?? ''} | ${f.ratio !== undefined ? f.ratio + 'x' : ''} | ${f.target} | ${f.note || f.target === 'reported' ? '—' : f.pass ? 'yes' : 'NO'} |`);
  return lines.join('\n');
}
