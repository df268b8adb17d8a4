import type { Principal } from '../../access/principal.ts';
import type { LabelMatcher } from './matchers.ts';
import { equalityValue } from './silence-store.ts';

/**
 * Who may see and make a silence (docs/notifications.md#silences). Admins:
 * any. Others: a silence must name a service they may see with an equality
 * matcher `service="..."`; when their team sees that service only in some
 * environments, it must also name one of them with `env="..."`. So a team
 * cannot mute another team's alerts, nor every alert with a broad regex.
 */
export function silenceScopeProblem(p: Principal, matchers: readonly LabelMatcher[]): string | null {
  if (p.admin) return null;
  const service = equalityValue(matchers, 'service');
  if (!service) return 'a silence needs a matcher service="<a service of your teams>"';
  const grant = p.grants.find((g) => g.service === service);
  if (!grant) return `service "${service}" is not one of your teams' services`;
  if (grant.environments === null) return null;
  const env = equalityValue(matchers, 'env');
  if (!env || !grant.environments.includes(env)) {
    return `your teams see "${service}" only in ${grant.environments.join(', ')}: add a matcher env="<one of them>"`;
  }
  return null;
}

export function maySeeSilence(p: Principal, s: { service: string; environment: string }): boolean {
  if (p.admin) return true;
  const grant = p.grants.find((g) => g.service === s.service);
  if (!grant || !s.service) return false;
  return grant.environments === null || grant.environments.includes(s.environment);
}
