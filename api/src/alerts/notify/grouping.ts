import { createHash } from 'node:crypto';
import type { AlertNotice } from '../notice.ts';
import { matchesAll } from './matchers.ts';
import type { Routing, RouteSpec } from './routing-model.ts';

/**
 * Where a notice goes (Alertmanager's model): the routes of the routing file
 * that match its labels, each with its receiver; plus the rule's own receivers
 * (`routing:` in the rule). Within a route, alerts with the same values of the
 * route's group_by labels form one group, notified together.
 */

/** A Slack channel or an email address, as `slack:#checkout-alerts` / `email:oncall@example.com`. */
export type Target = `slack:${string}` | `email:${string}`;

export interface GroupSettings {
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
}

export interface Placement {
  /** Identity of the group: route, receiver and group label values (hashed). */
  readonly key: string;
  readonly routeId: string;
  readonly receiver: string;
  readonly targets: readonly Target[];
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly settings: GroupSettings;
}

/** The routes an alert with these labels goes to: depth first, `continue` to keep matching siblings. */
export function matchRoutes(route: RouteSpec, labels: Readonly<Record<string, string>>): RouteSpec[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const matched: RouteSpec[] = [];
  for (const child of route.routes) {
    const found = matchRoutes(child, labels);
    matched.push(...found);
    if (found.length > 0 && !child.continue) break;
  }
  return matched.length > 0 ? matched : [route];
}

export function targetsOf(r: { slack?: readonly string[]; email?: readonly string[] }): Target[] {
  return [
    ...(r.slack ?? []).map((c) => `slack:${c}` as const),
    ...(r.email ?? []).map((a) => `email:${a.toLowerCase()}` as const),
  ];
}

function groupLabelsOf(
  groupBy: RouteSpec['groupBy'],
  labels: Readonly<Record<string, string>>,
): Record<string, string> {
  const names = groupBy === 'all' ? Object.keys(labels) : groupBy;
  const out: Record<string, string> = {};
  for (const name of [...names].sort()) if (Object.hasOwn(labels, name)) out[name] = labels[name] as string;
  return out;
}

function keyOf(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

const settingsOf = (r: RouteSpec): GroupSettings => ({
  groupWaitMs: r.groupWaitMs,
  groupIntervalMs: r.groupIntervalMs,
  repeatIntervalMs: r.repeatIntervalMs,
  sendResolved: r.sendResolved,
});

/**
 * The groups a notice belongs to. A target reached through the routing file
 * is not notified again through the rule's own receivers.
 */
export function place(routing: Routing, notice: AlertNotice): Placement[] {
  const out: Placement[] = [];
  const covered = new Set<string>();
  const seen = new Set<string>();
  for (const route of matchRoutes(routing.root, notice.labels)) {
    const receiver = route.receiver === null ? undefined : routing.receivers.get(route.receiver);
    if (!receiver) continue;
    const targets = targetsOf(receiver);
    const groupLabels = groupLabelsOf(route.groupBy, notice.labels);
    const key = keyOf([route.id, receiver.name, groupLabels]);
    if (seen.has(key)) continue;
    seen.add(key);
    targets.forEach((t) => covered.add(t));
    out.push({
      key,
      routeId: route.id,
      receiver: receiver.name,
      targets,
      groupLabels,
      settings: settingsOf(route),
    });
  }
  const own = targetsOf(notice.routing).filter((t) => !covered.has(t));
  if (own.length > 0) {
    // The rule's receivers use the root route's settings, grouped per rule.
    const root = routing.root;
    const groupLabels = groupLabelsOf(root.groupBy, notice.labels);
    const routeId = `rule:${notice.ruleId}`;
    out.push({
      key: keyOf([routeId, [...own].sort(), groupLabels]),
      routeId,
      receiver: `rule ${notice.group}/${notice.alert}`,
      targets: own,
      groupLabels,
      settings: settingsOf(root),
    });
  }
  return out;
}
