import { watch, type FSWatcher } from 'node:fs';
import { diffRuleSets, isEmptyDiff, type RuleSetDiff } from './diff.ts';
import { RULE_FILE_EXTENSIONS, loadRules, type LoadResult } from './load.ts';
import { EMPTY_RULE_SET, type RuleSet } from './model.ts';
import type { RuleError } from './rule-error.ts';

/**
 * Reloads the rules of a folder when its files change, the way the evaluator
 * (next part) and the reload endpoint will use it. A reload that finds any
 * error keeps the previous rule set active and reports the errors; a valid one
 * replaces it and reports what changed (diff.ts), so the scheduler can keep
 * the state of unchanged rules.
 *
 * fs.watch on the folder, not on each file: editors save by writing a new file
 * and renaming it over the old one, which a per-file watch would lose. Events
 * come in bursts (one save can be several), hence the debounce.
 */

export interface RuleWatcherOptions {
  readonly dir: string;
  /** Quiet time after the last file event before reloading. */
  readonly debounceMs?: number;
  /** A reload gave a valid rule set that differs from the active one, now active. */
  readonly onChange?: (ruleSet: RuleSet, diff: RuleSetDiff) => void;
  /** A reload found errors; `kept` stays active. */
  readonly onInvalid?: (errors: readonly RuleError[], kept: RuleSet) => void;
  /** The folder cannot be watched any more (e.g. it was removed). */
  readonly onWatchError?: (error: Error) => void;
}

export interface ReloadOutcome {
  readonly status: 'changed' | 'unchanged' | 'invalid';
  /** The active rule set after the reload. */
  readonly ruleSet: RuleSet;
  /** Null when invalid. */
  readonly diff: RuleSetDiff | null;
  readonly errors: readonly RuleError[];
}

export interface RuleWatcher {
  /** The first load. When it has errors, no rule is active until a valid reload. */
  readonly initial: LoadResult;
  /** The active rule set. */
  current(): RuleSet;
  /** Reloads now (for the reload endpoint); reloads run one at a time, in order. */
  reload(): Promise<ReloadOutcome>;
  close(): void;
}

export const DEFAULT_RELOAD_DEBOUNCE_MS = 250;

export async function watchRules(options: RuleWatcherOptions): Promise<RuleWatcher> {
  const debounceMs = options.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS;
  const initial = await loadRules([options.dir]);
  let active: RuleSet = initial.ruleSet ?? EMPTY_RULE_SET;
  let queue: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const reloadOnce = async (): Promise<ReloadOutcome> => {
    const result = await loadRules([options.dir]);
    if (result.ruleSet === null) {
      options.onInvalid?.(result.errors, active);
      return { status: 'invalid', ruleSet: active, diff: null, errors: result.errors };
    }
    const diff = diffRuleSets(active, result.ruleSet);
    active = result.ruleSet;
    if (isEmptyDiff(diff)) return { status: 'unchanged', ruleSet: active, diff, errors: [] };
    options.onChange?.(active, diff);
    return { status: 'changed', ruleSet: active, diff, errors: [] };
  };

  const reload = (): Promise<ReloadOutcome> => {
    const next = queue.then(reloadOnce);
    // A failed reload (a bug: loadRules does not throw) must not block the ones after it.
    queue = next.catch(() => undefined);
    return next;
  };

  const watcher: FSWatcher = watch(options.dir, { persistent: false }, (_event, filename) => {
    if (closed) return;
    const name = filename === null ? null : String(filename);
    if (name !== null && !RULE_FILE_EXTENSIONS.some((ext) => name.endsWith(ext))) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      reload().catch((err: unknown) => options.onWatchError?.(err as Error));
    }, debounceMs);
  });
  watcher.on('error', (err) => options.onWatchError?.(err));

  return {
    initial,
    current: () => active,
    reload,
    close: () => {
      closed = true;
      clearTimeout(timer);
      watcher.close();
    },
  };
}
