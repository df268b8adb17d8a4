import { sql, type Db } from '@obshub/core';
import { scopeCondition, type Principal } from '../access/principal.ts';
import { runQuery } from '../common/run-query.ts';

/**
 * The services catalog, from the last 24 hours of logs (seven days for
 * "versions seen" and "last seen"): only the caller's services.
 */
export async function listServices(db: Db, principal: Principal, signal?: AbortSignal) {
  const { rows } = await runQuery<{
    s: string;
    envs: string[];
    versions: string[];
    last: string;
    n24: string;
    e24: string;
  }>(
    db,
    sql`SELECT service_name AS s,
          arraySlice(groupUniqArray(environment), 1, 100) AS envs,
          arraySlice(groupUniqArray(service_version), 1, 100) AS versions,
          toString(max(timestamp)) AS last,
          countIf(timestamp >= now() - 86400) AS n24,
          countIf(timestamp >= now() - 86400 AND severity_number >= 17) AS e24
        FROM logs
        WHERE timestamp >= now() - 7 * 86400 AND ${scopeCondition(principal)}
        GROUP BY s ORDER BY s LIMIT 10000`,
    signal,
  );
  return {
    services: rows.map((r) => ({
      service: r.s,
      environments: r.envs.filter((e) => e !== '').sort(),
      versions: r.versions.filter((v) => v !== '').sort(),
      lastSeen: `${r.last.replace(' ', 'T')}Z`,
      logRecords24h: Number(r.n24),
      errorRatio24h: Number(r.n24) > 0 ? Number(r.e24) / Number(r.n24) : 0,
    })),
  };
}
