import type { Deploy, Verification } from '../lib/types.ts';

/**
 * Which verifications belong to a deploy: those started for it (deployId),
 * and those started separately (no deployId, e.g. `hub verify` without
 * --deploy-id) for the same service, environment and version whose
 * candidate window starts at or after the deploy started. Newest first, as
 * the API lists them.
 */
export function belongsTo(v: Verification, d: Deploy): boolean {
  if (v.deployId !== null) return v.deployId === d.id;
  return (
    v.service === d.service &&
    v.environment === d.environment &&
    v.version === d.version &&
    Date.parse(v.candidate.from) >= Date.parse(d.startedAt)
  );
}

export function verificationsOf(all: readonly Verification[], d: Deploy): Verification[] {
  const seen = new Set<string>();
  return all.filter((v) => {
    if (seen.has(v.id) || !belongsTo(v, d)) return false;
    seen.add(v.id);
    return true;
  });
}

/** The newest verification of each deploy in a list (for the deploys list's verdict column). */
export function latestByDeploy(
  verifications: readonly Verification[],
  deploys: readonly Deploy[],
): Map<string, Verification> {
  const out = new Map<string, Verification>();
  const newestFirst = [...verifications].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  for (const d of deploys) {
    const v = newestFirst.find((x) => belongsTo(x, d));
    if (v) out.set(d.id, v);
  }
  return out;
}
