import type { LabelMatcher, SilenceView } from './types.ts';

/**
 * Matching as the notifier matches (api/src/alerts/notify/matchers.ts):
 * regular expressions anchored, a missing label has the value "". Used to
 * mark pending alerts too, which the notifier never holds.
 */
function matches(m: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const v = Object.hasOwn(labels, m.name) ? (labels[m.name] as string) : '';
  if (m.op === '=' || m.op === '!=') return (v === m.value) === (m.op === '=');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${m.value})$`, 'u');
  } catch {
    return false;
  }
  return re.test(v) === (m.op === '=~');
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

/** A regular expression the browser cannot compile (the API refuses it too), for the form. */
export function badPattern(m: LabelMatcher): string | undefined {
  if (m.op !== '=~' && m.op !== '!~') return undefined;
  try {
    new RegExp(`^(?:${m.value})$`, 'u');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
