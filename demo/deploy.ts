/**
 * The demo's deploy: after a short while, `npm start -- --demo` reports a
 * canary of checkout 1.5.0 to the hub, the way a CI pipeline would, and starts
 * that canary beside 1.4.2 with more errors and slower answers — so the
 * service page shows a deploy marker, a per-version split where the canary
 * stands out, and a deploy page with a regression in its before/after table.
 * It then asks for a post-deploy verification of the canary against 1.4.2
 * (the way `hub verify --comparison canary` would), whose verdict appears on the
 * deploy page a few minutes later.
 */
export const DEMO_CANARY = {
  service: 'checkout',
  version: '1.5.0',
  environment: 'production',
  /** Multiplies error rates and latencies of the canary. */
  regression: 4,
} as const;

/** The verification's observation window: short, so a newcomer sees the verdict soon. */
export const DEMO_VERIFY_WINDOW = '5m';

function headers(token: string | undefined): Record<string, string> {
  return { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
}

export async function reportDemoDeploy(apiUrl: string, token: string | undefined): Promise<string> {
  const now = new Date().toISOString();
  const res = await fetch(`${apiUrl}/api/deploys`, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify({
      id: `demo-${DEMO_CANARY.service}-${DEMO_CANARY.version}-${Date.now()}`,
      service: DEMO_CANARY.service,
      environment: DEMO_CANARY.environment,
      version: DEMO_CANARY.version,
      commitSha: '3f9c2e1d7a4b5c6d8e9f0a1b2c3d4e5f6a7b8c9d',
      author: 'demo-pipeline',
      description: 'Canary: new checkout flow with a payment provider retry',
      links: [{ name: 'diff', url: 'https://example.com/shop/checkout/compare/1.4.2...1.5.0' }],
      startedAt: now,
      finishedAt: now,
      status: 'succeeded',
    }),
  });
  if (!res.ok) throw new Error(`the hub answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { deploy: { id: string } };
  return body.deploy.id;
}

/** Starts the canary's verification (POST /api/verifications); answers its id. */
export async function startDemoVerification(
  apiUrl: string,
  token: string | undefined,
  deployId: string,
): Promise<string> {
  const res = await fetch(`${apiUrl}/api/verifications`, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify({
      service: DEMO_CANARY.service,
      environment: DEMO_CANARY.environment,
      version: DEMO_CANARY.version,
      deployId,
      comparison: 'canary',
      window: DEMO_VERIFY_WINDOW,
    }),
  });
  if (!res.ok) throw new Error(`the hub answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { verification?: { id: string }; id?: string };
  return body.verification?.id ?? body.id ?? '';
}
