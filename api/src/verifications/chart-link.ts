/**
 * A link to the web UI's service page at a time range, split by version: the
 * same URL shape as web/src/services/service-url.ts (serviceLink plus
 * by=version), so the page opens on the compared windows with the deploy
 * marker. Absolute when the hub's public URL is known.
 */
export function chartUrl(
  publicUrl: string,
  service: string,
  environment: string,
  fromMs: number,
  toMs: number,
): string {
  const u = new URLSearchParams();
  if (environment) u.set('env', environment);
  u.set('from', new Date(fromMs).toISOString());
  u.set('to', new Date(toMs).toISOString());
  u.set('by', 'version');
  const path = `/services/${encodeURIComponent(service)}?${u.toString()}`;
  return publicUrl ? `${publicUrl.replace(/\/$/, '')}${path}` : path;
}
