import type { Deploy } from '../lib/types.ts';

/**
 * Whether a URL a pipeline sent may become a link: http and https only (the
 * API checks the same), so a `javascript:` URL stays text.
 */
export function isSafeUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The link the commit points to: one the pipeline named like a diff or a commit. */
export function commitLink(d: Deploy): string | undefined {
  const link =
    d.links.find((l) => /^(diff|compare|changes?)$/i.test(l.name.trim())) ??
    d.links.find((l) => /diff|compare|commit|change/i.test(l.name));
  return link && isSafeUrl(link.url) ? link.url : undefined;
}
