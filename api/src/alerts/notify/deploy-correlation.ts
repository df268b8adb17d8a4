import type { Db } from '@obshub/core';
import { LOCAL_ADMIN } from '../../access/principal.ts';
import { listDeploys } from '../../deploys/list.ts';
import type { Deploy } from '../../deploys/schemas.ts';

/**
 * "Which deploy probably caused it": the deploys of the alerting service (and
 * environment, when known) that started at most `deployWindowMs` before the
 * alert became active (docs/notifications.md#deploy-correlation).
 */
export interface CorrelatedDeploy {
  readonly id: string;
  readonly version: string;
  readonly previousVersion: string | null;
  readonly author: string;
  readonly source: 'reported' | 'inferred';
  readonly status: Deploy['status'];
  readonly startedAtMs: number;
  /** Whole minutes between the deploy's start and the alert becoming active. */
  readonly minutesBefore: number;
  /** The hub's deploy page. */
  readonly url: string;
  /** The deploy's own links (CI run, release notes), as reported. */
  readonly links: readonly { readonly name: string; readonly url: string }[];
}

export interface DeployCorrelation {
  readonly service: string;
  readonly environment: string | null;
  readonly windowMs: number;
  /** Most recent first; reported before inferred when they started at the same time. */
  readonly deploys: readonly CorrelatedDeploy[];
}

/** How many deploys a notification names at most. */
export const MAX_CORRELATED_DEPLOYS = 3;

/** Failed and rolled back deploys are called out in the message. */
export function deployStatusNote(status: Deploy['status']): string | null {
  if (status === 'failed') return 'deploy failed';
  if (status === 'rolled_back') return 'rolled back';
  return null;
}

export function rankDeploys(deploys: readonly Deploy[]): Deploy[] {
  const startMs = (d: Deploy) => Date.parse(d.startedAt);
  return [...deploys].sort(
    (a, b) =>
      startMs(b) - startMs(a) ||
      (a.source === b.source ? 0 : a.source === 'reported' ? -1 : 1) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

export function deployPageUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/deploys/${encodeURIComponent(id)}`;
}

/**
 * Deploys of `service` that started in [activeAt - window, activeAt]. Read as
 * the hub itself (not as a team member): the notification goes to the
 * receivers the routing chose.
 */
export async function correlateDeploys(
  db: Db,
  o: {
    service: string;
    environment: string | null;
    activeAtMs: number;
    deployWindowMs: number;
    publicUrl: string;
  },
): Promise<DeployCorrelation> {
  const base = { service: o.service, environment: o.environment, windowMs: o.deployWindowMs };
  if (o.deployWindowMs <= 0) return { ...base, deploys: [] };
  const fromMs = o.activeAtMs - o.deployWindowMs;
  const found = await listDeploys(db, LOCAL_ADMIN, {
    service: o.service,
    environment: o.environment ?? undefined,
    fromMs,
    toMs: o.activeAtMs,
    source: 'all',
    limit: 50,
  });
  const deploys = rankDeploys(
    found.filter((d) => {
      const t = Date.parse(d.startedAt);
      return t >= fromMs && t <= o.activeAtMs;
    }),
  )
    .slice(0, MAX_CORRELATED_DEPLOYS)
    .map((d) => {
      const startedAtMs = Date.parse(d.startedAt);
      return {
        id: d.id,
        version: d.version,
        previousVersion: d.previousVersion,
        author: d.author,
        source: d.source,
        status: d.status,
        startedAtMs,
        minutesBefore: Math.max(0, Math.floor((o.activeAtMs - startedAtMs) / 60_000)),
        url: deployPageUrl(o.publicUrl, d.id),
        links: d.links,
      };
    });
  return { ...base, deploys };
}

/** "no deploy of checkout (production) in the 30 minutes before the alert". */
export function noDeployText(c: DeployCorrelation): string {
  const minutes = Math.round(c.windowMs / 60_000);
  const env = c.environment ? ` (${c.environment})` : '';
  return `no deploy of ${c.service}${env} in the last ${minutes} minute${minutes === 1 ? '' : 's'} before the alert`;
}

/** One line per deploy, plain text: "checkout 1.5.0 (was 1.4.3) by ana, 12 min before, rolled back". */
export function deployLineText(d: CorrelatedDeploy, service: string): string {
  let head = `${service} ${d.version}`;
  if (d.previousVersion) head += ` (was ${d.previousVersion})`;
  if (d.author) head += ` by ${d.author}`;
  const parts = [head, `${d.minutesBefore} min before`];
  if (d.source === 'inferred') parts.push('inferred from telemetry');
  const note = deployStatusNote(d.status);
  if (note) parts.push(note);
  return parts.join(', ');
}
