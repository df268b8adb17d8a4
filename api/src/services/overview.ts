import type { Db } from '@obshub/core';
import type { Principal } from '../access/principal.ts';
import type { FiringCounts } from '../alerts/firing-counts.ts';
import { parseRange } from '../common/time-range.ts';
import { listDeploys } from '../deploys/list.ts';
import { pairKey } from '../deploys/queries.ts';
import type { Deploy } from '../deploys/schemas.ts';
import { redOverview } from '../metrics/red.ts';
import type { ServicesOverviewQuery, ServicesOverviewResult } from './schemas.ts';

/** How far back the services list looks for each service's last deploy. */
export const LAST_DEPLOY_LOOKBACK_MS = 30 * 86_400_000;
/** Points of each row's sparkline. */
export const SPARKLINE_POINTS = 30;

/** The newest deploy of each (service, environment), over the lookback. */
async function lastDeploys(
  db: Db,
  principal: Principal,
  nowMs: number,
  signal?: AbortSignal,
): Promise<Map<string, Deploy>> {
  const deploys = await listDeploys(
    db,
    principal,
    { fromMs: nowMs - LAST_DEPLOY_LOOKBACK_MS, toMs: nowMs, source: 'all', limit: 1000 },
    signal,
  );
  const out = new Map<string, Deploy>();
  // listDeploys answers newest first: the first one of each pair is its last.
  for (const d of deploys) {
    const key = pairKey(d.service, d.environment);
    if (!out.has(key)) out.set(key, d);
  }
  return out;
}

/**
 * The services list: RED figures, a sparkline and the last deploy of every
 * service and environment the caller may see, in a handful of queries
 * whatever the number of services.
 */
export async function servicesOverview(
  db: Db,
  principal: Principal,
  query: ServicesOverviewQuery,
  signal?: AbortSignal,
  /** The evaluator's firing alerts; absent (alerting off): the column stays null. */
  firing?: FiringCounts,
): Promise<ServicesOverviewResult> {
  const nowMs = Date.now();
  const { fromMs, toMs } = parseRange(query.from, query.to, nowMs);
  const step = Math.max(10, Math.ceil((toMs - fromMs) / 1000 / SPARKLINE_POINTS));
  const [red, deploys] = await Promise.all([
    redOverview(db, principal, { fromMs, toMs, step, nowMs }, signal),
    lastDeploys(db, principal, nowMs, signal),
  ]);
  return {
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    step: red.step,
    timestamps: red.timestamps,
    rows: red.rows.map((r) => ({
      service: r.service,
      environment: r.environment,
      source: r.source,
      requestRate: r.requestRate,
      errorRatio: r.errorRatio,
      p95: r.p95,
      errorLogRate: r.errorLogRate,
      sparkline: r.sparkline,
      lastDeploy: deploys.get(pairKey(r.service, r.environment)) ?? null,
      // Without alerting, null tells the UI to show nothing rather than "0 firing".
      firingAlerts: firing ? firing.count(r.service, r.environment) : null,
    })),
  };
}
