import type { GroupSettings } from './grouping.ts';
import type { NflogEntry } from './nflog-store.ts';

/**
 * Whether a group's flush notifies a target, from what the target was last
 * told (its notification log entry) and the group's alerts now. Pure, so the
 * rules read in one place:
 *
 * - no open episode: notify when something fires (a new episode starts);
 * - an alert fires that the target was not told about: notify (changed);
 * - alerts the target knew as firing resolved: notify when send_resolved
 *   (resolved when nothing fires any more, which ends the episode);
 * - alerts gone without resolving (silenced, rule removed): update the log
 *   quietly (and end the episode when nothing fires);
 * - nothing changed: notify again once repeat_interval has passed.
 */
export type Decision =
  | { readonly action: 'none' }
  /** Update the log without a message. */
  | { readonly action: 'record' }
  | { readonly action: 'send'; readonly reason: 'new' | 'changed' | 'resolved' | 'repeat' };

export function decide(
  entry: NflogEntry | undefined,
  firingIds: readonly string[],
  resolvedIds: readonly string[],
  settings: GroupSettings,
  nowMs: number,
): Decision {
  if (!entry?.episodeOpen) {
    return firingIds.length > 0 ? { action: 'send', reason: 'new' } : { action: 'none' };
  }
  const known = new Set(entry.firingIds);
  const firing = new Set(firingIds);
  const resolvedNow = resolvedIds.filter((id) => known.has(id) && !firing.has(id));
  const gone = entry.firingIds.filter((id) => !firing.has(id) && !resolvedNow.includes(id));
  if (firingIds.length === 0) {
    return resolvedNow.length > 0 && settings.sendResolved
      ? { action: 'send', reason: 'resolved' }
      : { action: 'record' };
  }
  if (firingIds.some((id) => !known.has(id))) return { action: 'send', reason: 'changed' };
  if (resolvedNow.length > 0)
    return settings.sendResolved ? { action: 'send', reason: 'changed' } : { action: 'record' };
  if (gone.length > 0) return { action: 'record' };
  if (nowMs - entry.sentAtMs >= settings.repeatIntervalMs) return { action: 'send', reason: 'repeat' };
  return { action: 'none' };
}
