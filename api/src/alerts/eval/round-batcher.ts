import type { EvalContext, RuleResult } from './results.ts';
import { errorMessage } from './results.ts';

/**
 * Batching across groups. The scheduler starts every group due at an
 * instant together (all 1m groups at each minute boundary); each group hands
 * its rules of one kind to the kind's RoundBatcher, and the requests for the
 * same evaluation time that arrive within `windowMs` are answered by one call
 * of the kind's evaluator with all their rules (so one log query per window
 * for every group, not per group). Each group gets its own rules' results
 * back, and goes on with its state machine, persistence and publication on
 * its own. The window only collects requests that are under way together:
 * no result is ever reused for a later evaluation.
 */

export type KindEvaluator<R> = (ctx: EvalContext, rules: readonly R[]) => Promise<Map<string, RuleResult>>;

interface Waiter<R> {
  readonly rules: readonly R[];
  readonly resolve: (results: Map<string, RuleResult>) => void;
}

interface Round<R> {
  readonly rules: Map<string, R>;
  readonly waiters: Array<Waiter<R>>;
}

export class RoundBatcher<R extends { readonly id: string }> {
  private readonly rounds = new Map<number, Round<R>>();

  constructor(
    private readonly evaluate: KindEvaluator<R>,
    /** The context of a round at `at` (no group's abort signal: the round serves several groups). */
    private readonly context: (at: number) => EvalContext,
    private readonly windowMs: number,
  ) {}

  /** The results of `rules` at `at`, evaluated with every other rule requested for `at` in the window. */
  request(at: number, rules: readonly R[]): Promise<Map<string, RuleResult>> {
    if (rules.length === 0) return Promise.resolve(new Map<string, RuleResult>());
    let round = this.rounds.get(at);
    if (!round) {
      round = { rules: new Map(), waiters: [] };
      this.rounds.set(at, round);
      setTimeout(() => void this.flush(at), this.windowMs);
    }
    for (const r of rules) round.rules.set(r.id, r);
    const waiters = round.waiters;
    return new Promise((resolve) => waiters.push({ rules, resolve }));
  }

  private async flush(at: number): Promise<void> {
    const round = this.rounds.get(at);
    if (!round) return;
    this.rounds.delete(at);
    let results: Map<string, RuleResult>;
    try {
      results = await this.evaluate(this.context(at), [...round.rules.values()]);
    } catch (err) {
      const error: RuleResult = { kind: 'error', message: errorMessage(err) };
      results = new Map([...round.rules.keys()].map((id) => [id, error]));
    }
    const lost: RuleResult = { kind: 'error', message: 'no result (internal error)' };
    for (const w of round.waiters) {
      w.resolve(new Map(w.rules.map((r) => [r.id, results.get(r.id) ?? lost])));
    }
  }
}
