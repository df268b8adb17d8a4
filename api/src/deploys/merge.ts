import type { Deploy, DeployStatus } from './schemas.ts';
import { pairKey, type StoredDeploy, type Timeline } from './queries.ts';

/**
 * Reported and inferred deploys made into one list (docs/deploys.md):
 *
 * - In a timeline (versions of one service and environment by first sighting),
 *   every version after the first is an inferred deploy at its first sighting,
 *   whose previous version is the one before it. The first version ever seen
 *   is not a deploy: there was nothing before it to compare.
 * - A reported deploy and the inferred one of the same service, environment
 *   and version are one deploy: the reported one, with firstSeenAt from
 *   telemetry. An inferred deploy is never listed beside it.
 * - previousVersion of a reported deploy: the version of the previous reported
 *   deploy or the version telemetry saw before, whichever happened later.
 */

export const INFERRED_PREFIX = 'inferred:';

const iso = (ms: number): string => new Date(ms).toISOString();

export const tripleKey = (service: string, environment: string, version: string): string =>
  `${pairKey(service, environment)}\u0000${version}`;

/** An inferred deploy: a version's first sighting, after an earlier version of the same pair. */
export interface InferredCandidate {
  id: string;
  service: string;
  environment: string;
  version: string;
  previousVersion: string;
  firstSeenMs: number;
}

export function inferredCandidates(timeline: Timeline): InferredCandidate[] {
  const out: InferredCandidate[] = [];
  for (let i = 1; i < timeline.versions.length; i++) {
    const v = timeline.versions[i] as Timeline['versions'][number];
    out.push({
      id: INFERRED_PREFIX + v.hash,
      service: timeline.service,
      environment: timeline.environment,
      version: v.version,
      previousVersion: (timeline.versions[i - 1] as Timeline['versions'][number]).version,
      firstSeenMs: v.firstSeenMs,
    });
  }
  return out;
}

export function inferredDeploy(c: InferredCandidate): Deploy {
  const at = iso(c.firstSeenMs);
  return {
    id: c.id,
    service: c.service,
    environment: c.environment,
    version: c.version,
    previousVersion: c.previousVersion,
    commitSha: '',
    author: '',
    description: '',
    links: [],
    // Telemetry shows when the new version was running, not how long the rollout took.
    startedAt: at,
    finishedAt: at,
    status: 'succeeded',
    source: 'inferred',
    firstSeenAt: at,
    updatedAt: at,
  };
}

/** What telemetry says about a reported deploy: its version's first sighting and the version before. */
export function telemetryContext(
  timeline: Timeline | undefined,
  version: string,
  startedAtMs: number,
): { firstSeenMs: number | null; before: { version: string; atMs: number } | null } {
  const versions = timeline?.versions ?? [];
  const index = versions.findIndex((v) => v.version === version);
  if (index >= 0) {
    const prev = index > 0 ? versions[index - 1] : undefined;
    return {
      firstSeenMs: (versions[index] as (typeof versions)[number]).firstSeenMs,
      before: prev ? { version: prev.version, atMs: prev.firstSeenMs } : null,
    };
  }
  // Not seen (yet): the version running when the deploy started.
  let before: { version: string; atMs: number } | null = null;
  for (const v of versions)
    if (v.firstSeenMs < startedAtMs) before = { version: v.version, atMs: v.firstSeenMs };
  return { firstSeenMs: null, before };
}

export function reportedDeploy(
  d: StoredDeploy,
  timeline: Timeline | undefined,
  previousReported: { version: string; startedAtMs: number } | undefined,
): Deploy {
  const seen = telemetryContext(timeline, d.version, d.startedAtMs);
  let previousVersion: string | null = null;
  if (previousReported && (!seen.before || previousReported.startedAtMs >= seen.before.atMs))
    previousVersion = previousReported.version;
  else if (seen.before) previousVersion = seen.before.version;
  return {
    id: d.id,
    service: d.service,
    environment: d.environment,
    version: d.version,
    previousVersion,
    commitSha: d.commitSha,
    author: d.author,
    description: d.description,
    links: d.links,
    startedAt: iso(d.startedAtMs),
    finishedAt: d.finishedAtMs === null ? null : iso(d.finishedAtMs),
    status: d.status as DeployStatus,
    source: 'reported',
    firstSeenAt: seen.firstSeenMs === null ? null : iso(seen.firstSeenMs),
    updatedAt: iso(d.updatedAtMs),
  };
}

/**
 * For each reported deploy (newest first), the previous reported deploy of its
 * pair with another version, found among the older ones in the same list;
 * undefined where the list has none (the caller asks the database for those).
 */
export function previousWithinList(
  deploys: readonly StoredDeploy[],
): Map<string, { version: string; startedAtMs: number } | undefined> {
  const out = new Map<string, { version: string; startedAtMs: number } | undefined>();
  for (let i = 0; i < deploys.length; i++) {
    const d = deploys[i] as StoredDeploy;
    let found: { version: string; startedAtMs: number } | undefined;
    for (let j = i + 1; j < deploys.length; j++) {
      const o = deploys[j] as StoredDeploy;
      if (o.service === d.service && o.environment === d.environment && o.version !== d.version) {
        found = { version: o.version, startedAtMs: o.startedAtMs };
        break;
      }
    }
    out.set(d.id, found);
  }
  return out;
}

/** Newest first; ties by id so that pages are stable. */
export function byStartDesc(a: Deploy, b: Deploy): number {
  if (a.startedAt !== b.startedAt) return a.startedAt < b.startedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
