import type { Principal } from '../access/principal.ts';
import { environmentOf, serviceOf } from './eval/notices.ts';
import type { Alerting } from './eval/service.ts';
import { mayView } from './routes.ts';

/**
 * Firing alert instances per service and environment, for the services list
 * (the evaluator's current state, as the caller may see it). An alert without
 * an environment counts in every environment of its service.
 */
export interface FiringCounts {
  count(service: string, environment: string): number;
}

export function firingCounts(alerting: Alerting, principal: Principal): FiringCounts {
  const byPair = new Map<string, number>();
  const byService = new Map<string, number>();
  for (const s of alerting.engine.allInstances()) {
    if (s.state !== 'firing') continue;
    const rule = alerting.engine.rule(s.ruleId);
    if (!rule) continue;
    const service = serviceOf(rule, s.labels);
    const environment = environmentOf(rule, s.labels);
    if (service === null || !mayView(principal, service, environment)) continue;
    if (environment === null) byService.set(service, (byService.get(service) ?? 0) + 1);
    else {
      const key = JSON.stringify([service, environment]);
      byPair.set(key, (byPair.get(key) ?? 0) + 1);
    }
  }
  return {
    count: (service, environment) =>
      (byPair.get(JSON.stringify([service, environment])) ?? 0) + (byService.get(service) ?? 0),
  };
}
