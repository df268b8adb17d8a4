import type { Db } from '../clickhouse/client.ts';
import type { SqlFragment } from '../sql/escape.ts';

/**
 * The steps a migration is made of, and how the runner carries them out: a
 * statement; a guarded statement, for DDL that 18.16 cannot make idempotent
 * itself; or one statement per value of a list query.
 */

/** A statement skipped when `skipWhen` (a query) returns a non-zero first value: for DDL without IF NOT EXISTS. */
export interface GuardedStatement {
  readonly statement: SqlFragment;
  readonly skipWhen: SqlFragment;
}

/**
 * One statement per value of a list query (its first column): for work done
 * piece by piece, such as a copy per day partition, so no single statement
 * has to read a whole large table within the client's timeout.
 */
export interface PerValueStatement {
  readonly values: SqlFragment;
  readonly statement: (value: string) => SqlFragment;
}

export type MigrationStep = SqlFragment | GuardedStatement | PerValueStatement;

async function guardSatisfied(db: Db, skipWhen: SqlFragment): Promise<boolean> {
  const rows = await db.query<Record<string, unknown>>(skipWhen);
  const first = rows[0] ? Object.values(rows[0])[0] : undefined;
  return first !== undefined && Number(first) !== 0;
}

/**
 * A guarded step is skipped when already done, and a failure is forgiven when a
 * concurrent run did it; a per-value step runs its statement for each value.
 */
export async function runStep(db: Db, step: MigrationStep): Promise<void> {
  if ('values' in step) {
    const rows = await db.query<Record<string, unknown>>(step.values);
    for (const row of rows) await db.command(step.statement(String(Object.values(row)[0])));
    return;
  }
  if (!('skipWhen' in step)) {
    await db.command(step);
    return;
  }
  if (await guardSatisfied(db, step.skipWhen)) return;
  try {
    await db.command(step.statement);
  } catch (err) {
    if (!(await guardSatisfied(db, step.skipWhen))) throw err;
  }
}
