import { createHash } from 'node:crypto';

/**
 * Hashes that identify rules across reloads. The identity is the group and
 * alert names (group names are unique across files, alert names within a
 * group), so moving a group to another file or reordering rules keeps it; the
 * content hash covers what the rule says, in a canonical form, so that
 * reformatting the YAML (quotes, key order, comments) does not change it.
 */

/** JSON with object keys sorted at every level; undefined values are left out, like JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** 16 hex digits (64 bits) from the group and alert names: the rule's state key. */
export function ruleId(group: string, alert: string): string {
  // Alert names are [a-zA-Z0-9_]+, so the last NUL separates the two: no two pairs give the same text.
  return sha256(`${group}\u0000${alert}`).slice(0, 16);
}

/** Hash of a rule's content (id, hash and source left out by the caller). */
export function contentHash(content: unknown): string {
  return sha256(canonicalJson(content)).slice(0, 16);
}
