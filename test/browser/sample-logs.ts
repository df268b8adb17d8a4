import type { TestLog } from './harness.ts';

/** A small deterministic PRNG (mulberry32): the same "random" logs every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = [
  {
    service: 'checkout',
    version: '1.4.2',
    hosts: ['web-1', 'web-2'],
    routes: ['/cart', '/checkout', '/orders'],
  },
  { service: 'payments', version: '2.0.1', hosts: ['pay-1'], routes: ['/charge', '/refund'] },
  { service: 'auth', version: '0.9.7', hosts: ['auth-1', 'auth-2'], routes: ['/login', '/token'] },
  { service: 'search-api', version: '3.1.0', hosts: ['search-1'], routes: ['/search', '/suggest'] },
];

const SEVERITY: Array<[number, string, number]> = [
  // number, text, weight
  [5, 'DEBUG', 10],
  [9, 'INFO', 70],
  [13, 'WARN', 12],
  [17, 'ERROR', 7],
  [21, 'FATAL', 1],
];

/**
 * Realistic traffic for the explorer's tests and screenshots: four services,
 * `count` records spread over the last `spanMs`, more errors in a burst two
 * thirds of the way through (so the histogram has a shape).
 */
export function sampleLogs(count: number, nowMs: number, spanMs = 55 * 60_000, seed = 7): TestLog[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const out: TestLog[] = [];
  for (let i = 0; i < count; i++) {
    const s = pick(SERVICES);
    const timeMs = nowMs - 30_000 - Math.floor(rnd() * spanMs);
    const burst = Math.abs(timeMs - (nowMs - spanMs / 3)) < spanMs / 20;
    let roll = rnd() * 100;
    let sev = SEVERITY[1] as [number, string, number];
    for (const entry of SEVERITY) {
      if (roll < entry[2]) {
        sev = entry;
        break;
      }
      roll -= entry[2];
    }
    if (burst && rnd() < 0.5) sev = SEVERITY[3] as [number, string, number];
    const route = pick(s.routes);
    const status = sev[0] >= 17 ? pick([500, 502, 503]) : sev[0] >= 13 ? pick([404, 429]) : 200;
    const ms = Math.round(5 + rnd() * (sev[0] >= 13 ? 900 : 120));
    const user = `u-${Math.floor(rnd() * 5000)}`;
    const body =
      sev[0] >= 21
        ? `panic: connection pool exhausted after ${ms} ms; shutting down worker`
        : sev[0] >= 17
          ? `POST ${route} failed: upstream ${pick(['payments', 'db-primary', 'redis'])} timed out after ${ms} ms`
          : sev[0] >= 13
            ? `GET ${route} ${status} slow response (${ms} ms) for ${user}`
            : sev[0] >= 9
              ? `GET ${route} ${status} in ${ms} ms`
              : `cache lookup key=${route.slice(1)}:${user} hit=${rnd() < 0.8}`;
    out.push({
      service: s.service,
      env: 'production',
      version: s.version,
      host: pick(s.hosts),
      instance: `${s.service}-${pick(['7f9c', 'a1b2'])}`,
      severity: sev[0],
      severityText: sev[1],
      timeMs,
      body,
      attrs: {
        'http.route': route,
        'http.response.status_code': status,
        duration_ms: ms,
        'user.id': user,
      },
      resource: { 'k8s.namespace.name': 'shop', 'cloud.region': pick(['eu-west-1', 'eu-central-1']) },
    });
  }
  return out;
}
