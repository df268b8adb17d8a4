import type { RoundSample } from '../logs/measure.ts';
import { bytes, count, summarize, table, type CaseSummary } from '../logs/report.ts';
import type { MetricCase, MetricOutcome } from './cases.ts';

/** One case's figures (report.ts's summary) plus what the engine said it did and its reference. */
export interface MetricSummary extends CaseSummary {
  source: string;
  step: number;
  points: number;
  seriesMatched: number;
  /** Queries ClickHouse ran per call. */
  queries: number;
  reference?: string;
  referenceP95Ms?: number;
  /** Rows in the reference's range (its count()). */
  referenceRows?: number;
  /** Calls that failed, and the first failure's message. */
  errors: number;
  error?: string;
}

const mostCommon = (values: readonly string[]): string => {
  const n = new Map<string, number>();
  for (const v of values) n.set(v, (n.get(v) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
};

export function summarizeMetricCases(
  cases: readonly MetricCase[],
  measured: Map<string, RoundSample<MetricOutcome>[]>,
): MetricSummary[] {
  const out = cases.map((c): MetricSummary => {
    const samples = measured.get(c.key) ?? [];
    const outcomes = samples.map((s) => s.outcome);
    const failures = outcomes.filter((o) => o.error !== undefined);
    return {
      ...summarize(
        { key: c.key, title: c.title, query: c.describe(0), ...(c.targetMs ? { targetMs: c.targetMs } : {}) },
        samples,
      ),
      source: mostCommon(outcomes.map((o) => o.source)),
      step: outcomes[0]?.step ?? 0,
      points: outcomes[0]?.points ?? 0,
      seriesMatched: outcomes[0]?.seriesMatched ?? 0,
      queries: samples[0]?.logged.length ?? 0,
      ...(c.reference ? { reference: c.reference } : {}),
      ...(outcomes[0]?.rows !== undefined ? { referenceRows: outcomes[0].rows } : {}),
      errors: failures.length,
      ...(failures[0]?.error !== undefined ? { error: failures[0].error } : {}),
    };
  });
  for (const s of out) {
    const r = out.find((x) => x.key === s.reference);
    if (!r) continue;
    s.referenceP95Ms = r.p95Ms;
    s.referenceReadRows = r.readRows;
    if (r.referenceRows !== undefined) s.rangeRows = r.referenceRows;
  }
  return out;
}

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b ? `${(a / b).toFixed(2)}x` : '';
const share = (a: number, b: number | undefined): string => (b ? `${((100 * a) / b).toFixed(1)}%` : '');

export function metricsTable(summaries: readonly MetricSummary[]): string {
  return table(
    [
      'query',
      'source',
      'step',
      'groups',
      'p50 ms',
      'p95 ms',
      'max ms',
      'CH p50',
      'CPU ms',
      'wait ms',
      'queries',
      'rows read',
      'bytes read',
      'ref',
      'p95/ref p95',
      'read/ref read',
      'target',
      'p95/target',
      'errors',
    ],
    summaries.map((s) => [
      s.key,
      s.source,
      s.step ? String(s.step) : '',
      s.source === 'sql' ? '' : String(s.answered),
      ms(s.p50Ms),
      ms(s.p95Ms),
      ms(s.maxMs),
      ms(s.clickhouseP50Ms),
      ms(s.cpuMs),
      ms(s.cpuWaitMs),
      String(s.queries),
      count(s.readRows),
      bytes(s.readBytes),
      s.reference ?? '',
      ratio(s.p95Ms, s.referenceP95Ms),
      share(s.readRows, s.referenceReadRows),
      s.targetMs !== undefined ? `${s.targetMs}` : '',
      ratio(s.p95Ms, s.targetMs),
      s.errors > 0 ? `${s.errors}/${s.runs}` : '',
    ]),
  );
}

/** The same as a Markdown table, for docs/benchmarks.md. */
export function metricsMarkdown(summaries: readonly MetricSummary[]): string {
  const head =
    '| query | source | step s | p50 ms | p95 ms | max ms | CH CPU ms | rows read | bytes read | p95 / reference p95 | rows read / reference | p95 target | p95 / target |';
  const rule = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const rows = summaries.map(
    (s) =>
      `| ${s.key}: ${s.title} | ${s.source} | ${s.step || ''} | ${ms(s.p50Ms)} | ${ms(s.p95Ms)} | ${ms(s.maxMs)} | ${ms(s.cpuMs)} | ` +
      `${count(s.readRows)} | ${bytes(s.readBytes)} | ${ratio(s.p95Ms, s.referenceP95Ms)} | ` +
      `${share(s.readRows, s.referenceReadRows)} | ${s.targetMs !== undefined ? `${s.targetMs} ms` : ''} | ` +
      `${s.targetMs !== undefined ? `**${ratio(s.p95Ms, s.targetMs)}**` : ''} |`,
  );
  return [head, rule, ...rows].join('\n');
}
