import type { QueryBounds } from '../../common/run-query.ts';
import type { EvalContext } from './results.ts';

/** Evaluation queries: the group's query timeout, and the API's row bounds. */
export function evalBounds(ctx: EvalContext, maxResultRows = 100_000): QueryBounds {
  return {
    maxExecutionSeconds: Math.ceil(ctx.queryTimeoutMs / 1000),
    maxRowsToRead: 2_000_000_000,
    maxResultRows,
  };
}
