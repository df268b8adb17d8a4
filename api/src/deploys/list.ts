import { join, sql, type Db, type SqlFragment } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import {
  INFERRED_PREFIX,
  byStartDesc,
  inferredCandidates,
  inferredDeploy,
  previousWithinList,
  reportedDeploy,
  tripleKey,
} from './merge.ts';
import {
  hashCondition,
  pairKey,
  readPreviousReported,
  readReported,
  readReportedVersions,
  readTimelines,
  type Pair,
  type StoredDeploy,
  type Timeline,
} from './queries.ts';
import type { Deploy } from './schemas.ts';

export interface ListDeploysOptions {
  service?: string | undefined;
  environment?: string | undefined;
  fromMs: number;
  toMs: number;
  source: 'all' | 'reported' | 'inferred';
  limit: number;
}

function baseWhere(
  principal: Principal,
  o: { service?: string | undefined; environment?: string | undefined },
): SqlFragment {
  const parts: SqlFragment[] = [scopeCondition(principal)];
  if (o.service !== undefined) parts.push(sql`service_name = ${o.service}`);
  if (o.environment !== undefined) parts.push(sql`environment = ${o.environment}`);
  return sql`(${join(parts, ' AND ')})`;
}

const pairWhere = (scope: SqlFragment, pair: Pair): SqlFragment =>
  sql`${scope} AND service_name = ${pair.service} AND environment = ${pair.environment}`;

function timelineMap(timelines: readonly Timeline[]): Map<string, Timeline> {
  return new Map(timelines.map((t) => [pairKey(t.service, t.environment), t]));
}

function uniquePairs(items: readonly Pair[]): Pair[] {
  const seen = new Map<string, Pair>();
  for (const i of items) seen.set(pairKey(i.service, i.environment), i);
  return [...seen.values()].map((p) => ({ service: p.service, environment: p.environment }));
}

/** Reported deploys made into API deploys: previous version and first sighting filled in. */
async function enrich(
  db: Db,
  scope: SqlFragment,
  reported: readonly StoredDeploy[],
  timelines: Map<string, Timeline>,
  signal: AbortSignal | undefined,
): Promise<Deploy[]> {
  const within = previousWithinList(reported);
  // The oldest deploy of each pair in the list: its previous deploy is older than the list.
  const oldest = new Map<string, StoredDeploy>();
  for (const d of reported) oldest.set(pairKey(d.service, d.environment), d);
  const older = await readPreviousReported(
    db,
    scope,
    [...oldest.values()].map((d) => ({
      service: d.service,
      environment: d.environment,
      beforeMs: d.startedAtMs,
      version: d.version,
    })),
    signal,
  );
  return reported.map((d) => {
    const key = pairKey(d.service, d.environment);
    return reportedDeploy(d, timelines.get(key), within.get(d.id) ?? older.get(key));
  });
}

/**
 * Deploys the principal may see, newest first: reported ones started in the
 * range and inferred ones first seen in it, merged (docs/deploys.md).
 */
export async function listDeploys(
  db: Db,
  principal: Principal,
  o: ListDeploysOptions,
  signal?: AbortSignal,
): Promise<Deploy[]> {
  const scope = scopeCondition(principal);
  const where = baseWhere(principal, o);
  const reported =
    o.source === 'inferred'
      ? []
      : await readReported(
          db,
          { where, having: sql`started >= ${o.fromMs} AND started <= ${o.toMs}`, limit: o.limit },
          signal,
        );
  const timelines = await readTimelines(
    db,
    {
      where,
      ...(o.source === 'reported' ? {} : { activeFromMs: o.fromMs, activeToMs: o.toMs }),
      pairs: uniquePairs(reported),
    },
    signal,
  );
  const byPair = timelineMap(timelines);

  let inferred: Deploy[] = [];
  if (o.source !== 'reported') {
    const candidates = timelines
      .flatMap(inferredCandidates)
      .filter((c) => c.firstSeenMs >= o.fromMs && c.firstSeenMs <= o.toMs);
    const merged = await readReportedVersions(db, scope, uniquePairs(candidates), signal);
    inferred = candidates
      .filter((c) => !merged.has(tripleKey(c.service, c.environment, c.version)))
      .map(inferredDeploy);
  }
  const deploys = [...(await enrich(db, scope, reported, byPair, signal)), ...inferred];
  return deploys.sort(byStartDesc).slice(0, o.limit);
}

/**
 * One deploy by id, or undefined when it does not exist or the principal may
 * not see it. An inferred id whose version was also reported answers the
 * reported deploy (they are one deploy).
 */
export async function getDeploy(
  db: Db,
  principal: Principal,
  id: string,
  signal?: AbortSignal,
): Promise<Deploy | undefined> {
  const scope = scopeCondition(principal);
  if (id.startsWith(INFERRED_PREFIX)) return getInferred(db, principal, id, signal);
  const [stored] = await readReported(db, { where: sql`${scope} AND id = ${id}`, limit: 1 }, signal);
  if (!stored) return undefined;
  return reportedWithContext(db, scope, stored, signal);
}

/** A reported deploy with its pair's timeline and previous deploy. */
export async function reportedWithContext(
  db: Db,
  scope: SqlFragment,
  stored: StoredDeploy,
  signal: AbortSignal | undefined,
): Promise<Deploy> {
  const pair = { service: stored.service, environment: stored.environment };
  const timelines = await readTimelines(db, { where: pairWhere(scope, pair), pairs: [pair] }, signal);
  const [deploy] = await enrich(db, scope, [stored], timelineMap(timelines), signal);
  return deploy as Deploy;
}

async function getInferred(
  db: Db,
  principal: Principal,
  id: string,
  signal: AbortSignal | undefined,
): Promise<Deploy | undefined> {
  const hash = id.slice(INFERRED_PREFIX.length);
  if (!/^[0-9a-f]{16}$/.test(hash)) return undefined;
  const scope = scopeCondition(principal);
  const [hit] = await readTimelines(db, { where: sql`${scope} AND ${hashCondition(hash)}` }, signal);
  const version = hit?.versions[0]?.version;
  if (!hit || version === undefined) return undefined;
  const pair = { service: hit.service, environment: hit.environment };
  const [reported] = await readReported(
    db,
    {
      where: pairWhere(scope, pair),
      having: sql`ver = ${version}`,
      limit: 1,
    },
    signal,
  );
  if (reported) return reportedWithContext(db, scope, reported, signal);
  const [timeline] = await readTimelines(db, { where: pairWhere(scope, pair), pairs: [pair] }, signal);
  const candidate = timeline ? inferredCandidates(timeline).find((c) => c.id === id) : undefined;
  return candidate ? inferredDeploy(candidate) : undefined;
}
