import type { Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import { ApiErrors } from '../errors.ts';
import { serviceRed } from '../metrics/red.ts';
import type { RedResult } from '../metrics/schemas.ts';
import { getDeploy } from './list.ts';
import type { ImpactResult } from './schemas.ts';

type Window = ImpactResult['before'];
type Figure = number | null;

/** The one-window RED figures of a serviceRed answer whose step covers the whole window. */
function windowFigures(red: RedResult | undefined, fromMs: number, toMs: number): Window {
  const s = red?.series[0];
  const first = (values: readonly Figure[] | undefined): Figure => values?.[0] ?? null;
  const errorLogRate = first(s?.errorLogRate);
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    requestRate: first(s?.requestRate),
    errorRatio: first(s?.errorRatio),
    p95: first(s?.p95),
    errorLogs: errorLogRate === null ? 0 : Math.round((errorLogRate * (toMs - fromMs)) / 1000),
  };
}

/** Change in percent; null when a side is missing or the base is zero (no finite percentage). */
export function percentChange(before: Figure, after: Figure): Figure {
  if (before === null || after === null || before === 0) return null;
  return ((after - before) / before) * 100;
}

/**
 * Before/after figures of one deploy: the window before it started against the
 * same length after it finished (its start, while it has not finished), for the
 * deployed service and environment.
 */
export async function deployImpact(
  db: Db,
  principal: Principal,
  id: string,
  windowSeconds: number,
  signal?: AbortSignal,
): Promise<ImpactResult> {
  const deploy = await getDeploy(db, principal, id, signal);
  if (!deploy) throw new ApiErrors.NOT_FOUND(`deploy "${id}"`);
  const nowMs = Date.now();
  const windowMs = windowSeconds * 1000;
  const startMs = Date.parse(deploy.startedAt);
  const liveMs = deploy.finishedAt ? Date.parse(deploy.finishedAt) : startMs;
  const afterEndMs = liveMs + windowMs;
  const red = async (fromMs: number, toMs: number): Promise<RedResult | undefined> => {
    try {
      return await serviceRed(
        db,
        principal,
        deploy.service,
        { environment: deploy.environment, fromMs, toMs, step: windowSeconds, by: 'none', nowMs },
        signal,
      );
    } catch (err) {
      // A deploy of a service that never sent telemetry has no figures, not no deploy.
      if (err instanceof ApiErrors.NOT_FOUND) return undefined;
      throw err;
    }
  };
  const [beforeRed, afterRed] = await Promise.all([
    red(startMs - windowMs, startMs),
    // An after window that has not elapsed yet is measured up to now.
    red(liveMs, Math.max(liveMs + 1000, Math.min(afterEndMs, nowMs))),
  ]);
  const before = windowFigures(beforeRed, startMs - windowMs, startMs);
  const after = windowFigures(afterRed, liveMs, Math.min(afterEndMs, nowMs));
  return {
    deploy,
    window: windowSeconds,
    source: beforeRed?.source === 'logs' || !beforeRed ? (afterRed?.source ?? 'logs') : beforeRed.source,
    before,
    after,
    change: {
      requestRate: percentChange(before.requestRate, after.requestRate),
      errorRatio: percentChange(before.errorRatio, after.errorRatio),
      p95: percentChange(before.p95, after.p95),
      errorLogs: percentChange(before.errorLogs, after.errorLogs),
    },
    partial: afterEndMs > nowMs,
  };
}
