import { LOG_COLUMNS, columnNames, copyLogResourcesStatement, type Db } from '@obshub/core';
import type { Batch } from './batch.ts';
import { batchRowsWhere } from './reconcile.ts';

/**
 * Logs rows left in the WAL by a collector from before log_resources (migration 9):
 * each row carries its resource arrays, in LOG_COLUMNS order. They are inserted
 * with those columns (resource_fingerprint takes its DEFAULT from the arrays),
 * then their resources are copied to log_resources as migration 9 copied the
 * rows stored before it, so the API finds them.
 */
export const LEGACY_LOG_INSERT_COLUMNS: readonly string[] = columnNames(LOG_COLUMNS);

/** Copies the resources of a legacy batch's rows (found by its id range) into log_resources. */
export async function copyLegacyLogResources(db: Db, batch: Batch): Promise<void> {
  await db.command(copyLogResourcesStatement(db.database, batchRowsWhere(batch)));
}
