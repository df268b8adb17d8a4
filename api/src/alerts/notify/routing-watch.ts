import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RULE_ERROR_CODES, type RuleError } from '../rules/rule-error.ts';
import { DEFAULT_RELOAD_DEBOUNCE_MS } from '../rules/watch.ts';
import { EMPTY_ROUTING, parseRoutingText } from './routing-load.ts';
import type { Routing } from './routing-model.ts';

/**
 * Reloads the routing file when it changes, as the rules watcher
 * (rules/watch.ts) does for rule files, and on demand (POST
 * /api/alerts/reload). A file is taken whole or not at all: a reload that
 * finds any error keeps the previous routing active and reports the errors
 * (file:line:col) until a later reload succeeds.
 *
 * A missing file at start means no label routes (as notifierFromConfig has
 * it). Once a file was loaded, its disappearance is an error, not "no routes":
 * deleting the file (or an editor's save caught halfway) must not stop every
 * notification.
 *
 * The folder is watched, not the file: editors save by writing a new file and
 * renaming it over the old one, which a watch on the file itself would lose.
 */

export interface RoutingWatcherOptions {
  readonly file: string;
  /** Quiet time after the last file event before reloading. */
  readonly debounceMs?: number;
  /** A reload gave a valid routing that differs from the active one, now active. */
  readonly onChange?: (routing: Routing) => void;
  /** A reload found errors; the previous routing stays active. */
  readonly onInvalid?: (errors: readonly RuleError[]) => void;
  /** The folder cannot be watched (missing, removed): reloads happen only on demand. */
  readonly onWatchError?: (error: Error) => void;
}

export interface RoutingReloadOutcome {
  readonly status: 'changed' | 'unchanged' | 'invalid';
  /** The active routing after the reload. */
  readonly routing: Routing;
  readonly errors: readonly RuleError[];
}

export interface RoutingWatcher {
  readonly file: string;
  /** The first load: routing null when the file has errors. */
  readonly initial: { readonly routing: Routing | null; readonly errors: readonly RuleError[] };
  /** The active routing. */
  current(): Routing;
  /** Errors of the last load or reload; empty when the active routing is the file's content. */
  errors(): readonly RuleError[];
  /** Reloads now; reloads run one at a time, in order. */
  reload(): Promise<RoutingReloadOutcome>;
  close(): void;
}

type Read = { readonly text: string } | { readonly missing: true } | { readonly error: RuleError };

async function readRoutingText(file: string): Promise<Read> {
  try {
    return { text: await readFile(file, 'utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return {
      error: {
        file,
        line: 1,
        column: 1,
        code: RULE_ERROR_CODES.FILE,
        message: `cannot read the file: ${(err as Error).message}`,
      },
    };
  }
}

export async function watchRouting(options: RoutingWatcherOptions): Promise<RoutingWatcher> {
  const { file } = options;
  const debounceMs = options.debounceMs ?? DEFAULT_RELOAD_DEBOUNCE_MS;
  let active: Routing = EMPTY_ROUTING;
  /** The text the active routing was parsed from; null: no file was ever loaded. */
  let activeText: string | null = null;
  let lastErrors: readonly RuleError[] = [];

  const load = async (): Promise<RoutingReloadOutcome> => {
    const read = await readRoutingText(file);
    const invalid = (errors: readonly RuleError[]): RoutingReloadOutcome => {
      lastErrors = errors;
      return { status: 'invalid', routing: active, errors };
    };
    const unchanged = (): RoutingReloadOutcome => {
      lastErrors = [];
      return { status: 'unchanged', routing: active, errors: [] };
    };
    if ('error' in read) return invalid([read.error]);
    if ('missing' in read) {
      if (activeText === null) return unchanged();
      return invalid([
        {
          file,
          line: 1,
          column: 1,
          code: RULE_ERROR_CODES.FILE,
          message: 'the routing file was removed; the routing loaded before stays active',
        },
      ]);
    }
    if (read.text === activeText) return unchanged();
    const parsed = parseRoutingText(read.text, file);
    if (parsed.routing === null) return invalid(parsed.errors);
    active = parsed.routing;
    activeText = read.text;
    lastErrors = [];
    return { status: 'changed', routing: active, errors: [] };
  };

  const first = await load();
  const initial = {
    routing: first.status === 'invalid' ? null : first.routing,
    errors: first.errors,
  };

  let queue: Promise<unknown> = Promise.resolve();
  const reload = (): Promise<RoutingReloadOutcome> => {
    const next = queue.then(async () => {
      const outcome = await load();
      if (outcome.status === 'changed') options.onChange?.(outcome.routing);
      if (outcome.status === 'invalid') options.onInvalid?.(outcome.errors);
      return outcome;
    });
    // A failed reload (a bug: load does not throw) must not block the ones after it.
    queue = next.catch(() => undefined);
    return next;
  };

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let watcher: FSWatcher | null = null;
  const name = path.basename(file);
  try {
    watcher = watch(path.dirname(file), { persistent: false }, (_event, filename) => {
      if (closed) return;
      // Some platforms do not give the name: reload, it is cheap and says "unchanged".
      if (filename !== null && String(filename) !== name) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        reload().catch((err: unknown) => options.onWatchError?.(err as Error));
      }, debounceMs);
    });
    watcher.on('error', (err) => options.onWatchError?.(err));
  } catch (err) {
    options.onWatchError?.(err as Error);
  }

  return {
    file,
    initial,
    current: () => active,
    errors: () => lastErrors,
    reload,
    close: () => {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
