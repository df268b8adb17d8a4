import { randomUUID } from 'node:crypto';
import { sql, type Db, type SqlFragment } from '@obshub/core';
import { runQuery } from '../../common/run-query.ts';
import { compileMatcher, matchesAll, type CompiledMatcher, type LabelMatcher } from './matchers.ts';

/**
 * Silences (docs/notifications.md#silences): label matchers, a reason, who
 * made it, and a time span. Alerts they match are not notified while they
 * last. Stored in alert_silences; expiring one early writes it again with
 * ends_at_ms = now (the latest write of an id wins).
 */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly reason: string;
  readonly createdBy: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** The value of its `service="..."` matcher, for team scoping; '' without one. */
  readonly service: string;
  readonly environment: string;
}

export type SilenceState = 'pending' | 'active' | 'expired';

export function silenceState(s: Silence, nowMs: number): SilenceState {
  if (nowMs < s.startsAtMs) return 'pending';
  return nowMs < s.endsAtMs ? 'active' : 'expired';
}

/** The value of an equality matcher on a label, if the silence has one. */
export function equalityValue(matchers: readonly LabelMatcher[], name: string): string {
  return matchers.find((m) => m.name === name && m.op === '=')?.value ?? '';
}

interface Row {
  id: string;
  mn: string[];
  mo: string[];
  mv: string[];
  why: string;
  who: string;
  svc: string;
  envr: string;
  st: number | string;
  en: number | string;
  cr: number | string;
  up: number | string;
}

const toSilence = (r: Row): Silence => ({
  id: r.id,
  matchers: r.mn.map((name, i) => ({
    name,
    op: (r.mo[i] ?? '=') as LabelMatcher['op'],
    value: r.mv[i] ?? '',
  })),
  reason: r.why,
  createdBy: r.who,
  service: r.svc,
  environment: r.envr,
  startsAtMs: Number(r.st),
  endsAtMs: Number(r.en),
  createdAtMs: Number(r.cr),
  updatedAtMs: Number(r.up),
});

/** Silences (latest write of each id) matching a condition on the table's columns. */
export async function readSilences(db: Db, where: SqlFragment, signal?: AbortSignal): Promise<Silence[]> {
  const { rows } = await runQuery<Row>(
    db,
    sql`SELECT id, mn, mo, mv, why, who, svc, envr, st, en, cr, up FROM (
        SELECT id,
          argMax(matcher_names, updated_at_ms) AS mn,
          argMax(matcher_ops, updated_at_ms) AS mo,
          argMax(matcher_values, updated_at_ms) AS mv,
          argMax(reason, updated_at_ms) AS why,
          argMax(created_by, updated_at_ms) AS who,
          any(service_name) AS svc,
          any(environment) AS envr,
          argMax(starts_at_ms, updated_at_ms) AS st,
          argMax(ends_at_ms, updated_at_ms) AS en,
          min(created_at_ms) AS cr,
          max(updated_at_ms) AS up
        FROM alert_silences WHERE ${where} GROUP BY id)
      ORDER BY cr DESC`,
    signal,
  );
  return rows.map(toSilence);
}

/** Silences that are active or will be: the ones the dispatcher applies. */
export async function readCurrentSilences(db: Db, nowMs: number): Promise<Silence[]> {
  const all = await readSilences(db, sql`1`);
  return all.filter((s) => s.endsAtMs > nowMs);
}

async function writeSilence(db: Db, s: Silence): Promise<void> {
  await db.command(
    sql`INSERT INTO alert_silences (id, matcher_names, matcher_ops, matcher_values, reason, created_by,
        service_name, environment, starts_at_ms, ends_at_ms, created_at_ms, updated_at_ms)
      VALUES (${s.id}, ${s.matchers.map((m) => m.name)}, ${s.matchers.map((m) => m.op)},
        ${s.matchers.map((m) => m.value)}, ${s.reason}, ${s.createdBy}, ${s.service}, ${s.environment},
        ${s.startsAtMs}, ${s.endsAtMs}, ${s.createdAtMs}, ${s.updatedAtMs})`,
    db.cluster ? { settings: { insert_distributed_sync: 1 } } : {},
  );
}

export interface NewSilence {
  readonly matchers: readonly LabelMatcher[];
  readonly reason: string;
  readonly createdBy: string;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
}

export async function createSilence(db: Db, input: NewSilence, nowMs: number): Promise<Silence> {
  const silence: Silence = {
    id: randomUUID(),
    ...input,
    service: equalityValue(input.matchers, 'service'),
    environment: equalityValue(input.matchers, 'env'),
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await writeSilence(db, silence);
  return silence;
}

/** Ends a silence now (a pending one ends before it starts). */
export async function expireSilence(db: Db, s: Silence, nowMs: number): Promise<Silence> {
  const endsAtMs = Math.min(s.endsAtMs, nowMs);
  const expired: Silence = {
    ...s,
    startsAtMs: Math.min(s.startsAtMs, endsAtMs),
    endsAtMs,
    updatedAtMs: Math.max(nowMs, s.updatedAtMs + 1),
  };
  await writeSilence(db, expired);
  return expired;
}

/** Silences compiled for matching; a stored silence whose regex no longer compiles is skipped. */
export interface Muter {
  /** Ids of the active silences that match these labels. */
  silencedBy(labels: Readonly<Record<string, string>>, nowMs: number): string[];
}

export function compileSilences(silences: readonly Silence[]): Muter {
  const compiled: { s: Silence; matchers: CompiledMatcher[] }[] = [];
  for (const s of silences) {
    try {
      compiled.push({ s, matchers: s.matchers.map(compileMatcher) });
    } catch {
      // Validated when created; nothing to match with otherwise.
    }
  }
  return {
    silencedBy: (labels, nowMs) =>
      compiled
        .filter((c) => silenceState(c.s, nowMs) === 'active' && matchesAll(c.matchers, labels))
        .map((c) => c.s.id),
  };
}
