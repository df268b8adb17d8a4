import type { Redactor } from '../redact/redactor.ts';
import type { DecodeLimits } from './attributes.ts';
import type { RowIds } from './ids.ts';
import type { RowWriter } from './row-writer.ts';
import type { LogResourceFingerprints, LogResourceRows } from './log-resources.ts';
import type { SeriesFingerprints } from './metric-row.ts';
import type { LogTranscoder } from './log-transcoder.ts';
import type { ResourceInfo } from './resource.ts';

/**
 * Tables the collector writes, in the order a WAL replay inserts them: a
 * resource or series row before the rows that point to it.
 */
export const TABLE_NAMES = ['log_resources', 'logs', 'metric_series', 'metric_samples'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

/** Rows for one table, encoded as RowBinary in that table's column order. */
export interface EncodedRows {
  bytes: Buffer;
  rows: number;
  /** Range of the rows' `timestamp` (seconds), for partition pruning when reconciling. */
  minTs: number;
  maxTs: number;
}

export interface DecodeOutcome {
  tables: Partial<Record<TableName, EncodedRows>>;
  /** Records (logs) or data points (metrics) stored. */
  accepted: number;
  rejected: number;
  /** The first few reasons for rejection, for partial_success.error_message. */
  errorMessage: string;
  /** Called once the rows are durable (marks log resources as written). */
  onDurable?: () => void;
}

export interface DecodeContext {
  limits: DecodeLimits;
  /** Allocates row ids in the batch the rows will join (see pipeline). */
  ids(table: TableName): RowIds;
  /**
   * A writer into the memory of the batch the rows will join (after ids() of the
   * same table), when it has sizeHint bytes free; absent or undefined: the decoder
   * writes into its own buffer.
   */
  writer?: (table: TableName, sizeHint: number) => RowWriter | undefined;
  receivedLo: number;
  receivedHi: number;
  /** Series fingerprints and which series rows were written recently (metrics only). */
  fingerprints: SeriesFingerprints;
  /** Log resource fingerprints and which resource rows were written recently (logs only). */
  logResources: LogResourceFingerprints;
  /** Replaces secrets in log bodies and attribute values (logs only); absent = store as sent. */
  redactor?: Redactor;
  /**
   * The WebAssembly transcoder for the common case of a protobuf log record
   * (log-transcoder.ts); absent: the JS decoder reads every record.
   */
  transcoder?: LogTranscoder;
  /** Called once per decoded resource (never per record): service.version sightings for inferred deploys. */
  sighted?: (resource: ResourceInfo) => void;
}

/** Collects up to three distinct rejection reasons. */
export class Rejections {
  count = 0;
  private readonly reasons: string[] = [];

  add(reason: string, n = 1): void {
    this.count += n;
    if (this.reasons.length < 3 && !this.reasons.includes(reason)) this.reasons.push(reason);
  }

  message(): string {
    return this.reasons.join('; ');
  }
}

/** The outcome of a logs request: its log rows and, when there are any, the resource rows they need. */
export function logsOutcome(
  logs: EncodedRows | undefined,
  resources: LogResourceRows,
  rejections: Rejections,
): DecodeOutcome {
  const resourceRows = logs ? resources.rows() : undefined;
  const tables: DecodeOutcome['tables'] = {};
  if (logs) tables.logs = logs;
  if (resourceRows) tables.log_resources = resourceRows;
  return {
    tables,
    accepted: logs?.rows ?? 0,
    rejected: rejections.count,
    errorMessage: rejections.message(),
    onDurable: resourceRows ? () => resources.durable() : undefined,
  };
}
