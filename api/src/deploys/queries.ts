import { int, join, sql, trusted, type Db, type SqlFragment } from '@obshub/core';
import { runQuery } from '../common/run-query.ts';

/**
 * The SQL of the deploys API: reported deploys (the `deploys` table, latest
 * write per id) and telemetry timelines (first sighting of each version in
 * `service_versions`). Both tables name their columns service_name and
 * environment, so scopeCondition() applies to either as is.
 */

/** A reported deploy as stored (latest write of its id). */
export interface StoredDeploy {
  id: string;
  service: string;
  environment: string;
  version: string;
  commitSha: string;
  author: string;
  description: string;
  links: Array<{ name: string; url: string }>;
  startedAtMs: number;
  /** null: not finished (status started). */
  finishedAtMs: number | null;
  status: string;
  updatedAtMs: number;
}

interface StoredRow {
  id: string;
  service: string;
  env: string;
  ver: string;
  sha: string;
  who: string;
  note: string;
  lnames: string[];
  lurls: string[];
  started: string | number;
  finished: string | number;
  state: string;
  updated: string | number;
}

/**
 * The latest write of every id matching `where` (on the table's columns).
 * ReplacingMergeTree merges are eventual, so reads never rely on them. The
 * aliases differ from the column names: ClickHouse resolves an alias that
 * shadows a column inside the aggregate, as a cyclic alias.
 */
function latest(where: SqlFragment): SqlFragment {
  return sql`SELECT id,
      any(service_name) AS service, any(environment) AS env,
      argMax(version, updated_at_ms) AS ver,
      argMax(commit_sha, updated_at_ms) AS sha,
      argMax(author, updated_at_ms) AS who,
      argMax(description, updated_at_ms) AS note,
      argMax(link_names, updated_at_ms) AS lnames,
      argMax(link_urls, updated_at_ms) AS lurls,
      argMax(started_at_ms, updated_at_ms) AS started,
      argMax(finished_at_ms, updated_at_ms) AS finished,
      argMax(status, updated_at_ms) AS state,
      max(updated_at_ms) AS updated
    FROM deploys WHERE ${where} GROUP BY id`;
}

function toStored(r: StoredRow): StoredDeploy {
  const finished = Number(r.finished);
  return {
    id: r.id,
    service: r.service,
    environment: r.env,
    version: r.ver,
    commitSha: r.sha,
    author: r.who,
    description: r.note,
    links: r.lnames.map((name, i) => ({ name, url: r.lurls[i] ?? '' })),
    startedAtMs: Number(r.started),
    finishedAtMs: finished > 0 ? finished : null,
    status: r.state,
    updatedAtMs: Number(r.updated),
  };
}

export interface ReportedFilter {
  /** Condition on the table's columns (scope, service, environment, id). */
  where: SqlFragment;
  /** Condition on the latest write (aliases started, ver, …). */
  having?: SqlFragment;
  limit: number;
}

/** Reported deploys, newest first. */
export async function readReported(
  db: Db,
  filter: ReportedFilter,
  signal: AbortSignal | undefined,
): Promise<StoredDeploy[]> {
  const { rows } = await runQuery<StoredRow>(
    db,
    sql`SELECT * FROM (${latest(filter.where)}) WHERE ${filter.having ?? trusted('1')}
        ORDER BY started DESC, id DESC LIMIT ${int(filter.limit, 1, 100_000)}`,
    signal,
  );
  return rows.map(toStored);
}

/** One (service, environment) pair. */
export interface Pair {
  service: string;
  environment: string;
}

export const pairKey = (service: string, environment: string): string => `${service}\u0000${environment}`;

function pairList(pairs: readonly Pair[]): SqlFragment {
  return join(
    pairs.map((p) => sql`(${p.service}, ${p.environment})`),
    ', ',
  );
}

/**
 * For each (pair, before, version): the latest reported deploy of that pair
 * that started before `before` with another version. Keyed by pairKey.
 */
export async function readPreviousReported(
  db: Db,
  scope: SqlFragment,
  wanted: ReadonlyArray<Pair & { beforeMs: number; version: string }>,
  signal: AbortSignal | undefined,
): Promise<Map<string, { version: string; startedAtMs: number }>> {
  const out = new Map<string, { version: string; startedAtMs: number }>();
  if (wanted.length === 0) return out;
  const conditions = join(
    wanted.map(
      (w) =>
        sql`(service = ${w.service} AND env = ${w.environment} AND started < ${w.beforeMs} AND ver != ${w.version})`,
    ),
    ' OR ',
  );
  const { rows } = await runQuery<{ service: string; env: string; v: string; s: string | number }>(
    db,
    sql`SELECT service, env, argMax(ver, started) AS v, max(started) AS s
        FROM (${latest(sql`${scope} AND (service_name, environment) IN (${pairList(wanted)})`)})
        WHERE ${conditions}
        GROUP BY service, env`,
    signal,
  );
  for (const r of rows) out.set(pairKey(r.service, r.env), { version: r.v, startedAtMs: Number(r.s) });
  return out;
}

/**
 * The versions with a reported deploy, in the given pairs, as pairKey + NUL +
 * version. By pair rather than by triple: fewer literals in the query, and a
 * pair's reported versions are few.
 */
export async function readReportedVersions(
  db: Db,
  scope: SqlFragment,
  pairs: readonly Pair[],
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  if (pairs.length === 0) return new Set();
  const { rows } = await runQuery<{ service: string; env: string; ver: string }>(
    db,
    sql`SELECT service, env, ver
        FROM (${latest(sql`${scope} AND (service_name, environment) IN (${pairList(pairs)})`)})
        GROUP BY service, env, ver`,
    signal,
  );
  return new Set(rows.map((r) => `${pairKey(r.service, r.env)}\u0000${r.ver}`));
}

/** The versions of one service and environment in the order telemetry first showed them. */
export interface Timeline extends Pair {
  versions: Array<{ version: string; firstSeenMs: number; hash: string }>;
}

export interface TimelineFilter {
  /** Condition on service_versions' columns (scope, service, environment, version hash). */
  where: SqlFragment;
  /** Pairs with a version first seen in this range … */
  activeFromMs?: number;
  activeToMs?: number;
  /** … or these pairs. Neither: every pair matching `where`. */
  pairs?: readonly Pair[];
}

/**
 * Timelines: the first sighting of each version (min over the rows of every
 * collector process), per service and environment, sorted by first sighting
 * (then version, so that ties order the same way every time).
 */
export async function readTimelines(
  db: Db,
  filter: TimelineFilter,
  signal: AbortSignal | undefined,
): Promise<Timeline[]> {
  const wanted: SqlFragment[] = [];
  if (filter.activeFromMs !== undefined && filter.activeToMs !== undefined)
    wanted.push(sql`countIf(first >= ${filter.activeFromMs} AND first <= ${filter.activeToMs}) > 0`);
  if (filter.pairs && filter.pairs.length > 0)
    wanted.push(sql`(service, env) IN (${pairList(filter.pairs)})`);
  const restricted = filter.activeFromMs !== undefined || filter.pairs !== undefined;
  if (restricted && wanted.length === 0) return [];
  const having = wanted.length > 0 ? join(wanted, ' OR ') : trusted('1');
  const { rows } = await runQuery<{
    service: string;
    env: string;
    vs: string[];
    fs: Array<string | number>;
    hs: Array<string | number>;
  }>(
    db,
    sql`SELECT service, env, groupArray(ver) AS vs, groupArray(first) AS fs, groupArray(h) AS hs
        FROM (
          SELECT service_name AS service, environment AS env, service_version AS ver,
                 min(first_seen_ms) AS first, cityHash64(service_name, environment, service_version) AS h
          FROM service_versions WHERE ${filter.where}
          GROUP BY service_name, environment, service_version
        )
        GROUP BY service, env HAVING ${having}`,
    signal,
  );
  return rows.map((r) => ({
    service: r.service,
    environment: r.env,
    versions: r.vs
      .map((version, i) => ({
        version,
        firstSeenMs: Number(r.fs[i]),
        hash: BigInt(r.hs[i] ?? 0)
          .toString(16)
          .padStart(16, '0'),
      }))
      .sort((a, b) => a.firstSeenMs - b.firstSeenMs || (a.version < b.version ? -1 : 1)),
  }));
}

/** The service_versions condition for one inferred id's hash. */
export function hashCondition(hashHex: string): SqlFragment {
  return sql`cityHash64(service_name, environment, service_version) = ${BigInt(`0x${hashHex}`)}`;
}
