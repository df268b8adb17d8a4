import type { ColumnSpec } from './columns.ts';
import type { TableSpec } from './tables.ts';

/**
 * verifications: post-deploy verifications (docs/verification.md). One row per
 * write; the ReplacingMergeTree keeps the newest write of an id and readers
 * take argMax(…, updated_at_ms) per id, because merges are eventual. The
 * request, the progress, the verdict and the webhook state are JSON text:
 * they are read back whole, never filtered on inside.
 */
export const VERIFICATION_COLUMNS = [
  { name: 'id', type: 'String' },
  { name: 'service_name', type: 'String', lowCardinality: true },
  { name: 'environment', type: 'String', lowCardinality: true },
  { name: 'version', type: 'String' },
  { name: 'deploy_id', type: 'String' },
  /** running | pass | fail | inconclusive | error */
  { name: 'state', type: 'String', lowCardinality: true },
  { name: 'created_at_ms', type: 'UInt64' },
  { name: 'updated_at_ms', type: 'UInt64' },
  /** The resolved request (windows, signals, thresholds, webhook URL). */
  { name: 'spec_json', type: 'String' },
  { name: 'progress_json', type: 'String' },
  { name: 'result_json', type: 'String' },
  /** Completion webhook: delivered flag, attempts, next attempt time. */
  { name: 'webhook_json', type: 'String' },
] as const satisfies readonly ColumnSpec[];

export const VERIFICATIONS_TABLE: TableSpec = {
  name: 'verifications',
  columns: VERIFICATION_COLUMNS,
  engine: { replacing: 'updated_at_ms' },
  partitionBy: 'tuple()',
  orderBy: '(service_name, environment, id)',
  shardBy: 'cityHash64(service_name)',
};
