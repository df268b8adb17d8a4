import { int, sql, type Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { baseWhere } from './filters.ts';
import { runQuery } from '../common/run-query.ts';
import { SEVERITY_GROUPS } from './schemas.ts';
import { parseRange } from '../common/time-range.ts';

/** Bucket sizes a person reads easily; the smallest that gives at most `buckets` bars wins. */
const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

export function chooseStep(rangeMs: number, buckets: number): number {
  const want = rangeMs / 1000 / buckets;
  return STEPS.find((s) => s >= want) ?? 86400;
}

/** Counts over time split by severity group; empty buckets are present with zeros. */
export async function logHistogram(
  db: Db,
  principal: Principal,
  p: { q: string; from: string; to: string; buckets: number },
  signal?: AbortSignal,
) {
  const range = parseRange(p.from, p.to);
  const step = chooseStep(range.toMs - range.fromMs, p.buckets);
  // Counted by severity number first and named per (bucket, number) afterwards: naming
  // every row and grouping by the name string cost twice the CPU over a week of logs
  // (bench:logs, docs/benchmarks.md). Same rows and counts.
  const { rows, stats } = await runQuery<{ b: number; g: string; c: string }>(
    db,
    sql`SELECT b,
          multiIf(severity_number = 0, 'unknown', severity_number <= 4, 'trace', severity_number <= 8, 'debug',
                  severity_number <= 12, 'info', severity_number <= 16, 'warn', severity_number <= 20, 'error', 'fatal') AS g,
          sum(n) AS c
        FROM (
          SELECT intDiv(toUInt32(timestamp), ${int(step, 1, 86400)}) * ${int(step, 1, 86400)} AS b, severity_number, count() AS n
          FROM logs WHERE ${baseWhere(range, principal, p.q)}
          GROUP BY b, severity_number
        )
        GROUP BY b, g ORDER BY b`,
    signal,
  );
  const first = Math.floor(range.fromMs / 1000 / step) * step;
  const last = Math.floor((range.toMs - 1) / 1000 / step) * step;
  const buckets = new Map<number, Record<string, number>>();
  for (let b = first; b <= last; b += step) {
    buckets.set(b, Object.fromEntries(SEVERITY_GROUPS.map((g) => [g, 0])));
  }
  for (const r of rows) {
    const counts = buckets.get(Number(r.b));
    if (counts) counts[r.g] = (counts[r.g] ?? 0) + Number(r.c);
  }
  return {
    stepSeconds: step,
    from: new Date(range.fromMs).toISOString(),
    to: new Date(range.toMs).toISOString(),
    buckets: [...buckets.entries()].map(([b, counts]) => ({
      time: new Date(b * 1000).toISOString(),
      counts,
      total: Object.values(counts).reduce((a, n) => a + n, 0),
    })),
    stats,
  };
}
