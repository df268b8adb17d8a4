import { sql, type Db } from '../../core/src/index.ts';
import type { MetricCase, MetricOutcome } from './cases.ts';
import { COUNTER, HISTOGRAM } from './dataset.ts';

/**
 * References in plain SQL over the raw samples of the same ranges: a scan
 * that reads the time range of one metric and sums one column, which is what
 * any answer from raw samples has to do at least.
 */
export function referenceCases(endMs: number): MetricCase[] {
  const scan = (key: string, title: string, metric: string, hours: number, column: 'value' | 'count') => {
    const from = Math.floor(endMs / 1000) - hours * 3600;
    const to = Math.floor(endMs / 1000);
    const summed = column === 'value' ? sql`sum(value)` : sql`sum(count)`;
    return {
      key,
      title,
      describe: () =>
        `SELECT count(), ${summed.text} FROM metric_samples WHERE metric_name = '${metric}' AND timestamp in the last ${hours} h`,
      run: async (db: Db): Promise<MetricOutcome> => {
        const [row] = await db.query<{ rows: string }>(
          sql`SELECT count() AS rows, ${summed} AS summed FROM metric_samples
              WHERE metric_name = ${metric} AND timestamp > toDateTime(${from}) AND timestamp <= toDateTime(${to})`,
        );
        const rows = Number(row?.rows ?? 0);
        return { answered: 1, apiReadRows: 0, source: 'sql', step: 0, points: 0, seriesMatched: 0, rows };
      },
    } satisfies MetricCase;
  };
  return [
    scan('ref-counter-24h', 'reference: raw counter samples of the last 24 h', COUNTER, 24, 'value'),
    scan(
      'ref-histogram-7d',
      'reference: raw histogram samples of the last 7 days',
      HISTOGRAM,
      7 * 24,
      'count',
    ),
  ];
}
