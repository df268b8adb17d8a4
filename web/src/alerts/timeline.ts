import type { Transition } from './types.ts';

/**
 * Instance states over a range, from the transitions (the history API): one
 * row per instance, one segment per stretch of pending, firing or resolved.
 * The state before an instance's first transition in range is that
 * transition's `from`; the last one lasts until the end of the range.
 */
export type SegmentState = 'pending' | 'firing' | 'resolved';

export interface TimelineRow {
  instanceId: string;
  alert: string;
  labels: Record<string, string>;
  /** "CheckoutErrors {service=checkout, env=production}". */
  title: string;
  segments: Array<{ fromMs: number; toMs: number; state: SegmentState }>;
}

const DRAWN = new Set(['pending', 'firing', 'resolved']);

export function labelsText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`);
  return parts.length ? `{${parts.join(', ')}}` : '';
}

export function buildTimeline(
  transitions: readonly Transition[],
  fromMs: number,
  toMs: number,
  maxRows = 50,
): { rows: TimelineRow[]; more: number } {
  const byInstance = new Map<string, Transition[]>();
  for (const t of transitions) byInstance.set(t.instanceId, [...(byInstance.get(t.instanceId) ?? []), t]);
  const rows: TimelineRow[] = [];
  for (const [instanceId, list] of byInstance) {
    const asc = [...list].sort((a, b) => a.at - b.at);
    const first = asc[0] as Transition;
    const segments: TimelineRow['segments'] = [];
    let state: string = first.from;
    let since = fromMs;
    for (const t of asc) {
      if (DRAWN.has(state) && t.at > since) {
        segments.push({ fromMs: since, toMs: Math.min(t.at, toMs), state: state as SegmentState });
      }
      state = t.to;
      since = Math.max(fromMs, t.at);
    }
    if (DRAWN.has(state) && toMs > since)
      segments.push({ fromMs: since, toMs, state: state as SegmentState });
    const last = asc[asc.length - 1] as Transition;
    rows.push({
      instanceId,
      alert: first.alert,
      labels: last.labels,
      title: `${first.alert} ${labelsText(last.labels)}`.trim(),
      segments,
    });
  }
  // The instances that fired most recently first.
  const lastFiring = (r: TimelineRow) =>
    Math.max(-Infinity, ...r.segments.filter((s) => s.state === 'firing').map((s) => s.toMs));
  rows.sort((a, b) => lastFiring(b) - lastFiring(a) || a.title.localeCompare(b.title));
  return { rows: rows.slice(0, maxRows), more: Math.max(0, rows.length - maxRows) };
}

export const STATE_COLORS: Readonly<Record<SegmentState, string>> = {
  pending: '#d4a72c',
  firing: '#cf222e',
  resolved: '#8ddb8c',
};
