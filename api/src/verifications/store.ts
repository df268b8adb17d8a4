import {
  VERIFICATION_COLUMNS,
  columnNames,
  join,
  sql,
  trusted,
  type Db,
  type SqlFragment,
} from '@obshub/core';
import type { SignalName } from '../verify/types.ts';
import type {
  BaselineName,
  ComparisonInput,
  Progress,
  ThresholdOverrides,
  VerdictResult,
  VerificationState,
  WebhookState,
} from './schemas.ts';

/**
 * Persistence of verifications in ClickHouse (table `verifications`,
 * migration 6): every change writes the whole record again with a larger
 * updated_at_ms; reads take the newest write per id. The runner reads running
 * records from here on every tick, so a restarted API continues them.
 */

/** What a verification was asked to do, resolved (profile and defaults applied). */
export interface VerificationSpec {
  id: string;
  service: string;
  environment: string;
  version: string;
  deployId: string | null;
  profile: string | null;
  comparison: ComparisonInput;
  signals: SignalName[];
  windowMs: number;
  stepSeconds: number;
  thresholds: ThresholdOverrides;
  candidate: { fromMs: number; toMs: number };
  baselines: Array<{ name: BaselineName; fromMs: number; toMs: number }>;
  webhookUrl: string | null;
  createdAtMs: number;
}

export interface VerificationRecord {
  spec: VerificationSpec;
  state: VerificationState;
  progress: Progress;
  verdict: VerdictResult | null;
  error: string | null;
  webhook: WebhookState | null;
  updatedAtMs: number;
}

const COLUMNS = trusted(columnNames(VERIFICATION_COLUMNS).join(', '));

interface Row {
  state: string;
  spec: string;
  progress: string;
  result: string;
  webhook: string;
  updated: string;
}

function fromRow(r: Row): VerificationRecord {
  const result = r.result
    ? (JSON.parse(r.result) as { verdict: VerdictResult | null; error: string | null })
    : null;
  return {
    spec: JSON.parse(r.spec) as VerificationSpec,
    state: r.state as VerificationState,
    progress: JSON.parse(r.progress) as Progress,
    verdict: result?.verdict ?? null,
    error: result?.error ?? null,
    webhook: r.webhook ? (JSON.parse(r.webhook) as WebhookState) : null,
    updatedAtMs: Number(r.updated),
  };
}

/** Newest write per id among the rows matching `where` (on the table's columns). */
export async function readVerifications(
  db: Db,
  where: SqlFragment,
  options: { having?: SqlFragment; limit?: number; signal?: AbortSignal } = {},
): Promise<VerificationRecord[]> {
  const rows = await db.query<Row>(
    sql`SELECT id, argMax(state, updated_at_ms) AS state, argMax(spec_json, updated_at_ms) AS spec,
          argMax(progress_json, updated_at_ms) AS progress, argMax(result_json, updated_at_ms) AS result,
          argMax(webhook_json, updated_at_ms) AS webhook, toString(max(updated_at_ms)) AS updated,
          min(created_at_ms) AS created
        FROM verifications WHERE ${where}
        GROUP BY id ${options.having ? sql`HAVING ${options.having}` : trusted('')}
        ORDER BY created DESC, id LIMIT ${options.limit ?? 1000}`,
    options.signal ? { abortSignal: options.signal } : {},
  );
  return rows.map(fromRow);
}

export async function readVerification(
  db: Db,
  id: string,
  signal?: AbortSignal,
): Promise<VerificationRecord | undefined> {
  const [found] = await readVerifications(db, sql`id = ${id}`, { limit: 1, ...(signal ? { signal } : {}) });
  return found;
}

/** Writes a record; updated_at_ms strictly increases per id so the newest write wins. */
export async function writeVerification(db: Db, record: VerificationRecord, nowMs: number): Promise<void> {
  const s = record.spec;
  record.updatedAtMs = Math.max(nowMs, record.updatedAtMs + 1);
  const values = [
    sql`${s.id}`,
    sql`${s.service}`,
    sql`${s.environment}`,
    sql`${s.version}`,
    sql`${s.deployId ?? ''}`,
    sql`${record.state}`,
    sql`${s.createdAtMs}`,
    sql`${record.updatedAtMs}`,
    sql`${JSON.stringify(s)}`,
    sql`${JSON.stringify(record.progress)}`,
    sql`${JSON.stringify({ verdict: record.verdict, error: record.error })}`,
    sql`${record.webhook ? JSON.stringify(record.webhook) : ''}`,
  ];
  await db.command(
    sql`INSERT INTO verifications (${COLUMNS}) VALUES (${join(values, ', ')})`,
    db.cluster ? { settings: { insert_distributed_sync: 1 } } : {},
  );
}
