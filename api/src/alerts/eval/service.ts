import { existsSync } from 'node:fs';
import type { AlertingConfig, Db, Logger } from '@obshub/core';
import { EMPTY_RULE_SET } from '../rules/model.ts';
import { watchRules, type ReloadOutcome, type RuleWatcher } from '../rules/watch.ts';
import type { AlertPublisher } from '../notice.ts';
import { AlertEngine } from './engine.ts';
import { AlertScheduler, SYSTEM_CLOCK, type Clock } from './scheduler.ts';

/**
 * Alerting as the API process runs it: the rules watcher (reloads on file
 * changes; an invalid file keeps the previous rules), the engine with the
 * persisted state restored, and the scheduler. The API routes read the engine
 * and call reload().
 */
export interface Alerting {
  readonly engine: AlertEngine;
  readonly scheduler: AlertScheduler;
  /** Reloads the rule files now (the reload endpoint). */
  reload(): Promise<ReloadOutcome>;
  stop(): Promise<void>;
}

export interface StartAlertingOptions {
  readonly db: Db;
  readonly config: AlertingConfig;
  readonly logger?: Logger;
  readonly publisher?: AlertPublisher;
  readonly clock?: Clock;
  /** Debounce of file events (tests shorten it). */
  readonly debounceMs?: number;
}

export async function startAlerting(options: StartAlertingOptions): Promise<Alerting> {
  const { config, logger } = options;
  const clock = options.clock ?? SYSTEM_CLOCK;
  const engine = new AlertEngine({
    db: options.db,
    ...(logger ? { logger } : {}),
    ...(options.publisher ? { publisher: options.publisher } : {}),
    queryTimeoutMs: config.queryTimeoutMs,
    maxConcurrentQueries: config.maxConcurrentQueries,
  });
  const scheduler = new AlertScheduler(engine, clock, logger);
  let queue: Promise<unknown> = Promise.resolve();
  // Rule changes are applied one at a time, in order.
  const serial = (fn: () => Promise<void>): Promise<void> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };

  let watcher: RuleWatcher | null = null;
  if (existsSync(config.rulesDir)) {
    watcher = await watchRules({
      dir: config.rulesDir,
      ...(options.debounceMs !== undefined ? { debounceMs: options.debounceMs } : {}),
      onChange: (ruleSet, diff) => {
        void serial(async () => {
          await engine.setRules(ruleSet, diff, clock.now());
          scheduler.sync();
          logger?.info(
            { added: diff.added.length, changed: diff.changed.length, removed: diff.removed.length },
            'alert rules reloaded',
          );
        });
      },
      onInvalid: (errors) => {
        engine.setLoadErrors(errors);
        logger?.warn(
          { errors: errors.length },
          'alert rule files have errors; the previous rules stay active',
        );
      },
      onWatchError: (err) => logger?.error({ err: err.message }, 'alert rules folder cannot be watched'),
    });
    await engine.setRules(watcher.initial.ruleSet ?? EMPTY_RULE_SET, null, clock.now());
    engine.setLoadErrors(watcher.initial.errors);
    if (watcher.initial.errors.length > 0) {
      logger?.warn(
        { errors: watcher.initial.errors.length },
        'alert rule files have errors; no rule is active',
      );
    }
  } else {
    logger?.warn({ dir: config.rulesDir }, 'no alert rules folder: alerting has no rules');
  }
  await engine.restore(clock.now());
  scheduler.sync();
  logger?.info({ rules: engine.rules().rules.length }, 'alerting started');

  return {
    engine,
    scheduler,
    reload: async () => {
      if (!watcher) {
        return { status: 'unchanged', ruleSet: EMPTY_RULE_SET, diff: null, errors: [] };
      }
      const outcome = await watcher.reload();
      // onChange queued the change; wait until it is applied before answering.
      await serial(async () => undefined);
      return outcome;
    },
    stop: async () => {
      watcher?.close();
      await scheduler.stop();
    },
  };
}
