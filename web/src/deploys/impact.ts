import { formatRate, formatRatio, formatSeconds } from '../lib/format.ts';
import { formatCount } from '../lib/time.ts';
import type { ImpactResult } from '../lib/types.ts';

export type Verdict = 'worse' | 'better' | 'same' | 'unknown';

export interface ImpactRow {
  key: 'requestRate' | 'errorRatio' | 'p95' | 'errorLogs';
  label: string;
  before: string;
  after: string;
  change: number | null;
  /** When the change cannot be a percentage: from nothing to something. */
  changeText: string | undefined;
  verdict: Verdict;
  hint: string;
}

/**
 * How much a change has to be before it is coloured. Errors and latency going
 * up are worse; request rate going down sharply is worse (traffic lost, or
 * clients giving up); small moves are noise.
 */
export const THRESHOLDS = { errorRatio: 10, p95: 10, errorLogs: 10, requestRateDrop: -20 } as const;

function judge(
  key: ImpactRow['key'],
  change: number | null,
  before: number | null,
  after: number | null,
): Verdict {
  if (before === null || after === null) return 'unknown';
  if (change === null) {
    // Before was 0: any error after it is new.
    if (key === 'requestRate') return 'unknown';
    return after > 0 ? 'worse' : 'same';
  }
  if (key === 'requestRate') return change <= THRESHOLDS.requestRateDrop ? 'worse' : 'same';
  const limit = THRESHOLDS[key];
  if (change >= limit) return 'worse';
  if (change <= -limit) return 'better';
  return 'same';
}

export function impactRows(r: ImpactResult): ImpactRow[] {
  const noRequests = r.source === 'logs';
  const rows: ImpactRow[] = [];
  const add = (
    key: ImpactRow['key'],
    label: string,
    before: number | null,
    after: number | null,
    fmt: (v: number | null) => string,
    hint: string,
  ) => {
    const change = r.change[key];
    const verdict = judge(key, change, before, after);
    rows.push({
      key,
      label,
      before: fmt(before),
      after: fmt(after),
      change,
      changeText: change === null && before === 0 && after !== null && after > 0 ? 'new' : undefined,
      verdict,
      hint,
    });
  };
  if (!noRequests) {
    add(
      'requestRate',
      'Request rate',
      r.before.requestRate,
      r.after.requestRate,
      (v) => formatRate(v),
      'per second',
    );
    add('errorRatio', 'Error rate', r.before.errorRatio, r.after.errorRatio, formatRatio, 'failed / all');
    add('p95', 'p95 latency', r.before.p95, r.after.p95, formatSeconds, '95th percentile');
  }
  add(
    'errorLogs',
    'Error logs',
    r.before.errorLogs,
    r.after.errorLogs,
    (v) => (v === null ? '—' : formatCount(v)),
    'ERROR or worse',
  );
  return rows;
}
