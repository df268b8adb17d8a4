import { RE2JS } from 're2js';
import type { LabelMatcher, SilenceView } from './types.ts';

/**
 * Matching as the notifier matches (api/src/alerts/notify/matchers.ts): RE2
 * syntax through re2js (linear time: a teammate's hostile pattern cannot
 * freeze the page), the whole value must match, a missing label has the
 * value "". Used to mark pending alerts too, which the notifier never holds.
 */
function compile(pattern: string): RE2JS | string {
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    return (err as Error).message;
  }
}

function matches(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const v = Object.hasOwn(labels, m.name) ? (labels[m.name] as string) : '';
  if (m.op === '=' || m.op === '!=') return (v === m.value) === (m.op === '=');
  const re = compile(m.value);
  if (typeof re === 'string') return false;
  return re.matches(v) === (m.op === '=~');
}

/** The active silences that mute an alert: by the notifier's own list, or by matching its labels. */
export function silencesOf(
  instanceId: string,
  labels: Readonly<Record<string, string>>,
  silences: readonly SilenceView[],
): SilenceView[] {
  return silences.filter(
    (s) =>
      s.state === 'active' &&
      (s.silencedAlerts.some((a) => a.instanceId === instanceId) ||
        s.matchers.every((m) => matches(m, labels))),
  );
}

/** A regular expression RE2 cannot compile (the API refuses it too), for the form. */
export function badPattern(m: LabelMatcher): string | undefined {
  if (m.op !== '=~' && m.op !== '!~') return undefined;
  const re = compile(m.value);
  return typeof re === 'string' ? re : undefined;
}
