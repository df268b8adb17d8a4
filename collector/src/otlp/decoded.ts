import type { Redactor } from '../redact/redactor.ts';
import type { DecodeLimits } from './attributes.ts';
import type { RowIds } from './ids.ts';
import type { SeriesFingerprints } from './metric-row.ts';
import type { ResourceInfo } from './resource.ts';

/** Tables the collector writes. */
export type TableName = 'logs' | 'metric_samples' | 'metric_series';

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
}

export interface DecodeContext {
  limits: DecodeLimits;
  /** Allocates row ids in the batch the rows will join (see pipeline). */
  ids(table: TableName): RowIds;
  receivedLo: number;
  receivedHi: number;
  /** Series fingerprints and which series rows were written recently (metrics only). */
  fingerprints: SeriesFingerprints;
  /** Replaces secrets in log bodies and attribute values (logs only); absent = store as sent. */
  redactor?: Redactor;
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
