import { createHash } from 'node:crypto';
import { join, sql, trusted, type SqlFragment } from '@obshub/core';
import type { TeamsFile } from './teams-file.ts';

/** One service a principal may see, in every environment (null) or some. */
export interface Grant {
  service: string;
  environments: string[] | null;
}

/** Who is calling: a person signed in to the UI, or an API token. */
export interface Principal {
  name: string;
  kind: 'person' | 'token' | 'local';
  admin: boolean;
  teams: string[];
  scopes: string[];
  grants: Grant[];
}

/** When no teams file is configured (local development) everyone is this admin. */
export const LOCAL_ADMIN: Principal = {
  name: 'local',
  kind: 'local',
  admin: true,
  teams: [],
  scopes: ['read', 'deploy', 'admin'],
  grants: [],
};

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The grants of a set of teams, merged: an all-environments grant wins over a partial one. */
export function grantsFor(file: TeamsFile, teams: readonly string[]): Grant[] {
  const byService = new Map<string, string[] | null>();
  for (const team of teams) {
    for (const g of file.teams[team]?.services ?? []) {
      const service = typeof g === 'string' ? g : g.service;
      const envs = typeof g === 'string' ? null : g.environments;
      const prev = byService.get(service);
      if (prev === null) continue;
      byService.set(service, envs === null ? null : [...new Set([...(prev ?? []), ...envs])]);
    }
  }
  return [...byService.entries()].map(([service, environments]) => ({ service, environments }));
}

export function principalsFrom(file: TeamsFile): Map<string, Principal> {
  const out = new Map<string, Principal>();
  for (const m of file.members) {
    const admin = m.role === 'admin';
    out.set(m.tokenSha256, {
      name: m.name,
      kind: m.kind,
      admin,
      teams: m.teams,
      scopes: admin ? [...new Set([...m.scopes, 'read', 'admin'])] : m.scopes,
      grants: grantsFor(file, m.teams),
    });
  }
  return out;
}

/**
 * The SQL condition that limits a query to what the principal may see, on any
 * table with service_name and environment columns. Every log query carries it.
 */
export function scopeCondition(
  p: Principal,
  columns = { service: 'service_name', environment: 'environment' },
): SqlFragment {
  if (p.admin) return trusted('1');
  if (p.grants.length === 0) return trusted('0');
  const service = trusted(columns.service);
  const environment = trusted(columns.environment);
  const whole = p.grants.filter((g) => g.environments === null).map((g) => g.service);
  const parts: SqlFragment[] = [];
  if (whole.length > 0)
    parts.push(
      sql`${service} IN (${join(
        whole.map((s) => sql`${s}`),
        ', ',
      )})`,
    );
  for (const g of p.grants) {
    if (g.environments === null) continue;
    parts.push(
      sql`(${service} = ${g.service} AND ${environment} IN (${join(
        g.environments.map((e) => sql`${e}`),
        ', ',
      )}))`,
    );
  }
  return sql`(${join(parts, ' OR ')})`;
}

/** Whether a principal may see one service in one environment (for record-by-id checks). */
export function maySee(p: Principal, service: string, environment: string): boolean {
  if (p.admin) return true;
  return p.grants.some(
    (g) => g.service === service && (g.environments === null || g.environments.includes(environment)),
  );
}
