import type { Db, HubConfig, Logger } from '@obshub/core';
import { startAlerting, type Alerting } from './eval/service.ts';
import type { Clock as EvalClock } from './eval/scheduler.ts';
import type { Clock as NotifyClock } from './notify/clock.ts';
import type { Notifier } from './notify/notifier.ts';
import { watchRouting, type RoutingWatcher } from './notify/routing-watch.ts';
import { notifierFromConfig, requireValidRouting } from './notify/setup.ts';

/**
 * Alerting as the API process runs it (main.ts), in one place so that the
 * end-to-end test runs the same wiring: the routing file, loaded and watched
 * (an invalid file stops start-up; later, an invalid edit keeps the previous
 * routing); the notifier, ticking; the evaluator (when `alerting.enabled`),
 * publishing its notices to the notifier.
 */

/** Time for both halves: the scheduler's timers and the notifier's group timers and retry waits. */
export type AlertsClock = EvalClock & NotifyClock;

export interface StartAlertsOptions {
  readonly db: Db;
  readonly logger: Logger;
  readonly config: Pick<HubConfig, 'alerting' | 'notifications'>;
  /** Tests move time by hand; default: the system clock. */
  readonly clock?: AlertsClock;
  /** Debounce of rule and routing file events (tests shorten it). */
  readonly debounceMs?: number;
}

export interface AlertsRuntime {
  readonly notifier: Notifier;
  /** Undefined when `alerting.enabled` is false (notifications still run: deploy verdicts use them). */
  readonly alerting: Alerting | undefined;
  readonly routing: RoutingWatcher;
  /** Stops the evaluator first (waiting for evaluations under way), then the notifier. */
  stop(): Promise<void>;
}

export async function startAlerts(o: StartAlertsOptions): Promise<AlertsRuntime> {
  const { db, logger, config } = o;
  let notifier: Notifier | undefined;
  const routing = await watchRouting({
    file: config.notifications.routingFile,
    ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
    onChange: (next) => {
      notifier?.setRouting(next);
      logger.info(
        { routingFile: config.notifications.routingFile, receivers: next.receivers.size },
        'alert routing reloaded',
      );
    },
    onInvalid: (errors) =>
      logger.warn(
        { routingFile: config.notifications.routingFile, errors: errors.slice(0, 5) },
        'alert routing file has errors; the previous routing stays active',
      ),
    onWatchError: (err) =>
      logger.warn(
        { routingFile: config.notifications.routingFile, err: err.message },
        'alert routing file cannot be watched; POST /api/alerts/reload reloads it',
      ),
  });
  let alerting: Alerting | undefined;
  try {
    requireValidRouting(routing.initial);
    // current(), not initial: a change seen while the notifier was being built is not lost.
    notifier = await notifierFromConfig({
      db,
      logger,
      config: config.notifications,
      routing: routing.current(),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    notifier.start();
    alerting = config.alerting.enabled
      ? await startAlerting({
          db,
          config: config.alerting,
          logger,
          publisher: notifier,
          ...(o.clock ? { clock: o.clock } : {}),
          ...(o.debounceMs !== undefined ? { debounceMs: o.debounceMs } : {}),
        })
      : undefined;
  } catch (err) {
    routing.close();
    await notifier?.stop();
    throw err;
  }
  const started = notifier;
  return {
    notifier: started,
    alerting,
    routing,
    stop: async () => {
      routing.close();
      await alerting?.stop();
      await started.stop();
    },
  };
}
