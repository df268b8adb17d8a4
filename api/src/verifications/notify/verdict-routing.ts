import type { TeamsFile } from '../../access/teams-file.ts';
import { grantsFor } from '../../access/principal.ts';
import { matchRoutes, targetsOf, type Target } from '../../alerts/notify/grouping.ts';
import type { Routing } from '../../alerts/notify/routing-model.ts';
import type { Verification } from '../schemas.ts';

/**
 * Who is told of a deploy verdict: the verdict is routed through the alert
 * routing tree (alert-rules/routing.yaml) as if it were an alert with these
 * labels (docs/notifications.md#deploy-verdict-threads):
 *
 * - `alertname`: DeployVerification
 * - `service`, `env` (when the verification has an environment), `version`
 * - `verdict`: pass, fail, inconclusive or error
 * - `severity`: critical for fail, warning for inconclusive and error, info for pass
 * - `team`: each team of the teams file that owns the service (in that
 *   environment); the verdict is routed once per owning team and the targets
 *   are merged. No team label without a teams file or an owner.
 *
 * Verdicts are not grouped or delayed: each goes out at once to every target
 * of every matching route's receiver.
 */
export const VERDICT_ALERTNAME = 'DeployVerification';

export type VerdictState = Exclude<Verification['state'], 'running'>;

export const VERDICT_SEVERITY: Record<VerdictState, string> = {
  pass: 'info',
  fail: 'critical',
  inconclusive: 'warning',
  error: 'warning',
};

/** The teams that own `service` in `environment` (sorted). */
export function owningTeams(teams: TeamsFile | undefined, service: string, environment: string): string[] {
  if (!teams) return [];
  return Object.keys(teams.teams)
    .filter((team) =>
      grantsFor(teams, [team]).some(
        (g) => g.service === service && (g.environments === null || g.environments.includes(environment)),
      ),
    )
    .sort();
}

/** The label sets a verdict is routed with: one per owning team, or one without a team label. */
export function verdictLabels(
  v: Pick<Verification, 'service' | 'environment' | 'version'>,
  state: VerdictState,
  teams: readonly string[],
): Record<string, string>[] {
  const base: Record<string, string> = {
    alertname: VERDICT_ALERTNAME,
    service: v.service,
    ...(v.environment ? { env: v.environment } : {}),
    version: v.version,
    verdict: state,
    severity: VERDICT_SEVERITY[state],
  };
  return teams.length === 0 ? [base] : teams.map((team) => ({ ...base, team }));
}

export interface VerdictTarget {
  readonly target: Target;
  /** The receiver that reached it first. */
  readonly receiver: string;
}

/** Every target of every matching route's receiver, once each. */
export function verdictTargets(
  routing: Routing,
  labelSets: readonly Readonly<Record<string, string>>[],
): VerdictTarget[] {
  const out = new Map<Target, VerdictTarget>();
  for (const labels of labelSets) {
    for (const route of matchRoutes(routing.root, labels)) {
      const receiver = route.receiver === null ? undefined : routing.receivers.get(route.receiver);
      if (!receiver) continue;
      for (const target of targetsOf(receiver)) {
        if (!out.has(target)) out.set(target, { target, receiver: receiver.name });
      }
    }
  }
  return [...out.values()];
}
