import type { CompiledMatcher } from './matchers.ts';
import type { Receiver } from './routing-schema.ts';

/** A route of the loaded routing file, settings inherited and durations in ms. */
export interface RouteSpec {
  /** Stable id: the matchers on the way from the root, e.g. `{}/{team="shop"}`. */
  readonly id: string;
  readonly matchers: readonly CompiledMatcher[];
  readonly continue: boolean;
  /** Null: alerts routed here notify no one (but the rule's own receivers). */
  readonly receiver: string | null;
  /** Labels whose values make a group, or every label. */
  readonly groupBy: readonly string[] | 'all';
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
  readonly routes: readonly RouteSpec[];
}

export interface Routing {
  readonly receivers: ReadonlyMap<string, Receiver>;
  readonly root: RouteSpec;
}
