import { LOCAL_ADMIN } from '../../api/src/access/principal.ts';
import { queryMetric } from '../../api/src/metrics/query.ts';
import type { MetricQuery } from '../../api/src/metrics/schemas.ts';
import type { CallOutcome, RoundCase } from '../logs/measure.ts';
import { MID_SERVICES } from '../logs/vocabulary.ts';
import { COUNTER, HISTOGRAM } from './dataset.ts';

/**
 * The measured metric queries, each through the query engine the HTTP route
 * calls (queryMetric), as the all-services principal (references.ts holds
 * the plain-SQL scans they are compared with). Times are absolute (epoch ms) and end at
 * the newest seeded point, so "the last 24 hours" holds a full day of data
 * however long seeding took.
 */
export interface MetricOutcome extends CallOutcome {
  /** Which storage answered: raw samples or a rollup (references: "sql"). */
  source: string;
  step: number;
  points: number;
  seriesMatched: number;
  /** For references: what the scan summed (rows in the range). */
  rows?: number;
  /** The call failed: its message (the call still counts, with the time it took to fail). */
  error?: string;
}

export interface MetricCase extends RoundCase<MetricOutcome> {
  title: string;
  /** The query as the API receives it, for the report. */
  describe(round: number): string;
  /** Key of the reference this case is compared with. */
  reference?: string;
  /** p95 target from the issue, if any. */
  targetMs?: number;
}

const HOUR_MS = 3_600_000;
const TARGET_MS = 500;

function engineCase(
  key: string,
  title: string,
  reference: string,
  query: (round: number) => Partial<MetricQuery> & { metric: string; from: string; to: string },
): MetricCase {
  const full = (round: number): MetricQuery => ({ matchers: [], groupBy: [], ...query(round) });
  return {
    key,
    title,
    reference,
    targetMs: TARGET_MS,
    describe: (round) => {
      const q = full(round);
      const hours = (Number(q.to) - Number(q.from)) / HOUR_MS;
      const parts = [
        q.metric,
        q.aggregation ?? '',
        hours > 24 && hours % 24 === 0 ? `${hours / 24}d` : `${hours}h`,
        q.step ? `step=${q.step}` : 'step=default',
        q.service ? `service=${q.service}` : '',
        q.groupBy.length > 0 ? `by ${q.groupBy.join(',')}` : '',
      ];
      return parts.filter((p) => p !== '').join(' ');
    },
    run: async (db, round) => {
      let r: Awaited<ReturnType<typeof queryMetric>>;
      try {
        r = await queryMetric(db, LOCAL_ADMIN, full(round));
      } catch (err) {
        const error = (err as Error).message.split('\n')[0] ?? 'error';
        return { answered: 0, apiReadRows: 0, source: 'failed', step: 0, points: 0, seriesMatched: 0, error };
      }
      return {
        answered: r.series.length,
        apiReadRows: 0,
        source: r.source,
        step: r.step,
        points: r.timestamps.length,
        seriesMatched: r.seriesMatched,
      };
    },
  };
}

export function queryCases(endMs: number): MetricCase[] {
  const last = (hours: number) => ({ from: String(endMs - hours * HOUR_MS), to: String(endMs) });
  const service = (round: number): string => MID_SERVICES[round % MID_SERVICES.length] as string;
  return [
    engineCase(
      'rate-24h-route',
      'request rate, 24 h, 1-minute step, by http.route',
      'ref-counter-24h',
      () => ({
        metric: COUNTER,
        ...last(24),
        step: 60,
        aggregation: 'rate',
        groupBy: ['http.route'],
      }),
    ),
    engineCase(
      'rate-24h-route-svc',
      'the same for one service (payments, orders, users in turn)',
      'ref-counter-24h',
      (round) => ({
        metric: COUNTER,
        service: service(round),
        ...last(24),
        step: 60,
        aggregation: 'rate',
        groupBy: ['http.route'],
      }),
    ),
    engineCase('p95-7d', 'p95 latency, 7 days, default step, all series in one', 'ref-histogram-7d', () => ({
      metric: HISTOGRAM,
      ...last(7 * 24),
      aggregation: 'p95',
    })),
    engineCase('p95-7d-1h', 'p95 latency, 7 days, 1-hour step', 'ref-histogram-7d', () => ({
      metric: HISTOGRAM,
      ...last(7 * 24),
      step: 3600,
      aggregation: 'p95',
    })),
    engineCase(
      'p95-7d-svc',
      'p95 latency, 7 days, default step, by service.name',
      'ref-histogram-7d',
      () => ({
        metric: HISTOGRAM,
        ...last(7 * 24),
        aggregation: 'p95',
        groupBy: ['service.name'],
      }),
    ),
  ];
}
