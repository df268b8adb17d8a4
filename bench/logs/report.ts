import { combine, median, percentile, type LoggedQuery } from './measure.ts';

/** One call of one case: wall time around the API function, and what ClickHouse logged for it. */
export interface Sample {
  wallMs: number;
  answered: number;
  /** stats.readRows as the API returned it. */
  apiReadRows: number;
  logged: LoggedQuery[];
}

export interface CaseSummary {
  key: string;
  title: string;
  query: string;
  runs: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  clickhouseP50Ms: number;
  clickhouseP95Ms: number;
  readRows: number;
  readRowsMin: number;
  readRowsMax: number;
  readBytes: number;
  cpuMs: number;
  cpuWaitMs: number;
  selectedMarks: number;
  memoryBytes: number;
  answered: number;
  apiReadRows: number;
  /** Rows in the case's time range (the reference count's answer). */
  rangeRows?: number;
  /** Rows read by the reference count over the same range. */
  referenceReadRows?: number;
  targetMs?: number;
}

export function summarize(
  c: { key: string; title: string; query: string; targetMs?: number },
  samples: readonly Sample[],
): CaseSummary {
  const wall = samples.map((s) => s.wallMs);
  const per = samples.map((s) => combine(s.logged));
  const rows = per.map((q) => q.readRows);
  return {
    key: c.key,
    title: c.title,
    query: c.query,
    runs: samples.length,
    p50Ms: percentile(wall, 50),
    p95Ms: percentile(wall, 95),
    maxMs: Math.max(...wall),
    clickhouseP50Ms: percentile(
      per.map((q) => q.durationMs),
      50,
    ),
    clickhouseP95Ms: percentile(
      per.map((q) => q.durationMs),
      95,
    ),
    readRows: median(rows),
    readRowsMin: Math.min(...rows),
    readRowsMax: Math.max(...rows),
    readBytes: median(per.map((q) => q.readBytes)),
    cpuMs: median(per.map((q) => q.cpuMs)),
    cpuWaitMs: median(per.map((q) => q.cpuWaitMs)),
    selectedMarks: median(per.map((q) => q.selectedMarks)),
    memoryBytes: median(per.map((q) => q.memoryBytes)),
    answered: median(samples.map((s) => s.answered)),
    apiReadRows: Math.max(...samples.map((s) => s.apiReadRows)),
    ...(c.targetMs !== undefined ? { targetMs: c.targetMs } : {}),
  };
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
export const count = (v: number): string =>
  v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e4 ? `${(v / 1e3).toFixed(1)}k` : String(Math.round(v));
export const bytes = (v: number): string =>
  v >= 2 ** 30
    ? `${(v / 2 ** 30).toFixed(2)} GiB`
    : v >= 2 ** 20
      ? `${(v / 2 ** 20).toFixed(1)} MiB`
      : `${(v / 1024).toFixed(0)} KiB`;

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Rows read against the rows the same range's count() read: what the sort key saved (or cost). */
function ratio(s: CaseSummary): string {
  return s.referenceReadRows ? `${((100 * s.readRows) / s.referenceReadRows).toFixed(1)}%` : '';
}

/** The results table: latency, ClickHouse's own time and CPU, rows and bytes read against the range. */
export function resultsTable(summaries: readonly CaseSummary[]): string {
  return table(
    [
      'query',
      'p50 ms',
      'p95 ms',
      'max ms',
      'CH p50',
      'CPU ms',
      'wait ms',
      'rows read',
      'bytes read',
      'range rows',
      'ref read',
      'read/ref',
      'target',
      'p95/target',
    ],
    summaries.map((s) => [
      s.key,
      ms(s.p50Ms),
      ms(s.p95Ms),
      ms(s.maxMs),
      ms(s.clickhouseP50Ms),
      ms(s.cpuMs),
      ms(s.cpuWaitMs),
      count(s.readRows),
      bytes(s.readBytes),
      s.rangeRows !== undefined ? count(s.rangeRows) : '',
      s.referenceReadRows !== undefined ? count(s.referenceReadRows) : '',
      ratio(s),
      s.targetMs !== undefined ? `${s.targetMs}` : '',
      s.targetMs !== undefined ? `${(s.p95Ms / s.targetMs).toFixed(2)}x` : '',
    ]),
  );
}

/** The same as a Markdown table, for docs/benchmarks.md. */
export function markdownTable(summaries: readonly CaseSummary[]): string {
  const head =
    '| query | p50 ms | p95 ms | max ms | rows read | bytes read | rows in range | count() read | read / count() read | p95 target | p95 / target |';
  const rule = '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const rows = summaries.map(
    (s) =>
      `| ${s.key} (\`${s.query}\`) | ${ms(s.p50Ms)} | ${ms(s.p95Ms)} | ${ms(s.maxMs)} | ${count(s.readRows)} | ${bytes(s.readBytes)} | ` +
      `${s.rangeRows !== undefined ? count(s.rangeRows) : ''} | ` +
      `${s.referenceReadRows !== undefined ? count(s.referenceReadRows) : ''} | ${ratio(s)} | ` +
      `${s.targetMs !== undefined ? `${s.targetMs} ms` : ''} | ${s.targetMs !== undefined ? `${(s.p95Ms / s.targetMs).toFixed(2)}x` : ''} |`,
  );
  return [head, rule, ...rows].join('\n');
}
