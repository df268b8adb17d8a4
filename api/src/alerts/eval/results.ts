import type { Db } from '@obshub/core';
import type { Observation } from './state.ts';

/**
 * What the query modules (log-queries.ts, metric-queries.ts,
 * absence-queries.ts) hand the group evaluator for each rule.
 */
export interface Sample {
  /** The group_by labels of this instance (label name → value); {} without group_by. */
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly obs: Observation;
}

export type RuleResult =
  | {
      readonly kind: 'samples';
      readonly samples: readonly Sample[];
      /** For known instances of the rule that the query did not return (a count of 0, or no data). */
      readonly missing: Observation;
    }
  | { readonly kind: 'error'; readonly message: string };

/** Where and when a group is evaluated. */
export interface EvalContext {
  readonly db: Db;
  /** The evaluation time (epoch ms): windows end here. */
  readonly at: number;
  readonly queryTimeoutMs: number;
  readonly maxConcurrentQueries: number;
  readonly signal?: AbortSignal;
  /** Counts ClickHouse queries (the benchmark reports it). */
  readonly onQuery?: () => void;
}

export function errorMessage(err: unknown): string {
  return (err as Error | undefined)?.message ?? String(err);
}

/** Runs tasks with at most `limit` at a time, in order of the array; results in the same order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
