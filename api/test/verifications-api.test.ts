import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/src/index.ts';
import { buildApp } from '../src/index.ts';
import { tokenDigest } from '../src/access/principal.ts';
import { parseTeamsFile } from '../src/access/teams-file.ts';
import { formatProfileError, parseProfiles, profilesJsonSchema } from '../src/verifications/profiles.ts';
import { VerificationRunner, type Clock } from '../src/verifications/runner.ts';
import type { Verification } from '../src/verifications/schemas.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { waitForRows } from './metrics-otlp.ts';
import { sendPhase, type Phase } from './verification-telemetry.ts';

/**
 * The verifications API around the judgement: canary comparison, the runner
 * (injected clock, restart mid-verification), the completion webhook with a
 * failure and a retry, Flagger's webhook answers, Argo Rollouts' field, team
 * scoping, profiles, and bad input (fuzzed). Telemetry through the real
 * collector into the real ClickHouse.
 */
const MIN = 60;
const now = Math.floor(Date.now() / 1000 / MIN) * MIN;
const D = now - 15 * MIN;
const ENV = 'prod';
const TOKENS = { pay: 'pay-team-token-0123456789', other: 'other-team-token-0123456789' };
const teams = parseTeamsFile(`
teams:
  pay-team:
    services: [pay]
  other-team:
    services: [cart]
members:
  - name: pay-ci
    kind: token
    teams: [pay-team]
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.pay)}
  - name: other-ci
    kind: token
    teams: [other-team]
    scopes: [read, deploy]
    tokenSha256: ${tokenDigest(TOKENS.other)}
`);
const auth = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });

const phase = (version: string, instance: string, over: Partial<Phase> = {}): Phase => ({
  version,
  instance,
  from: D - 20 * MIN,
  to: D + 12 * MIN,
  requestsPerSecond: 20,
  errorRatio: 0.005,
  medianSeconds: 0.08,
  ...over,
});

/** A clock the test moves. */
function manualClock(ms: number): Clock & { set(ms: number): void } {
  let t = ms;
  return { now: () => t, set: (v) => void (t = v) };
}

describe('verifications API', () => {
  let t: TestDb;
  let c: TestCollector;
  let app: FastifyInstance;
  const clock = manualClock(now * 1000);
  const logger = createLogger('test', 'silent');
  const webhook = { attempts: 3, retryDelayMs: 1000, timeoutMs: 2000 };
  const newRunner = () =>
    new VerificationRunner({
      db: t.db,
      logger,
      tickMs: 60_000,
      settleMs: 30_000,
      webhook,
      clock,
      publicUrl: 'https://hub.example.com',
    });
  const start = (body: Record<string, unknown>, who: keyof typeof TOKENS = 'pay') =>
    app.inject({ method: 'POST', url: '/api/verifications', headers: auth(who), payload: body });
  const get = async (id: string, who: keyof typeof TOKENS = 'pay') =>
    app.inject({ url: `/api/verifications/${encodeURIComponent(id)}`, headers: auth(who) });

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    const parts = await Promise.all([
      // Three stable instances of 1.0 and, from the deploy on, one canary of 1.1 with 8x the errors.
      sendPhase(c, 'pay', ENV, phase('1.0', 'pay-a'), 11),
      sendPhase(c, 'pay', ENV, phase('1.0', 'pay-b'), 12),
      sendPhase(c, 'pay', ENV, phase('1.0', 'pay-c'), 13),
      sendPhase(c, 'pay', ENV, phase('1.1', 'pay-canary', { from: D, errorRatio: 0.04 }), 14),
      sendPhase(c, 'cart', ENV, phase('3.0', 'cart-a'), 15),
    ]);
    await waitForRows(
      t.db,
      parts.reduce((a, p) => a + p.points, 0),
      parts.reduce((a, p) => a + p.logs, 0),
    );
    app = await buildApp({
      db: t.db,
      logger,
      access: { teams },
      verification: {
        profiles: parseProfiles(
          readFileSync(path.resolve(import.meta.dirname, '../../verification-profiles.yaml'), 'utf8'),
          'verification-profiles.yaml',
        ).profiles,
        publicUrl: 'https://hub.example.com',
        clock,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await c?.stop();
    await t?.drop();
  });

  it('judges a canary against the other versions per instance, and continues after a restart', async () => {
    clock.set((D + 5 * MIN) * 1000);
    const res = await start({
      id: 'pay-canary-1.1',
      service: 'pay',
      environment: ENV,
      version: '1.1',
      comparison: 'canary',
      window: '10m',
      startAt: new Date(D * 1000).toISOString(),
    });
    expect(res.statusCode).toBe(201);
    const first = newRunner();
    await first.tick();
    const running = (await get('pay-canary-1.1')).json<Verification>();
    expect(running.state).toBe('running');
    expect(running.argo).toEqual({ phase: 'Running', done: false });
    expect(running.progress.fraction).toBeCloseTo(0.5, 5);
    // 5 minutes of one canary instance at 20 req/s; the baseline is the three others.
    expect(running.progress.candidateRequests).toBeGreaterThan(5000);
    expect(running.progress.baselineRequests).toBeGreaterThan(3 * running.progress.candidateRequests - 1000);
    await first.stop();

    // A new runner (the API restarted) picks the running verification up from ClickHouse.
    clock.set((D + 11 * MIN) * 1000);
    const second = newRunner();
    const completed: Verification[] = [];
    second.on('completed', (v) => completed.push(v));
    await second.tick();
    const done = (await get('pay-canary-1.1')).json<Verification>();
    expect(done.state).toBe('fail');
    expect(done.argo).toEqual({ phase: 'Failed', done: true });
    expect(completed.map((v) => v.id)).toEqual(['pay-canary-1.1']);
    const error = done.verdict?.signals.find((s) => s.signal === 'error_rate');
    expect(error?.status).toBe('fail');
    expect(error?.baselineName).toBe('other-versions');
    expect(error?.chartUrl).toMatch(/^https:\/\/hub\.example\.com\/services\/pay\?env=prod&from=/);
    // Per instance: the canary's request rate is like each stable instance's, not a third of the fleet's.
    const rate = done.verdict?.signals.find((s) => s.signal === 'request_rate');
    expect(rate?.status).toBe('pass');
    expect(rate?.effect?.ratio).toBeGreaterThan(0.9);
    expect(error?.effect?.ciLow).toBeGreaterThan(2);
    expect(error?.test).toContain('Poisson rate-ratio');
    await second.stop();
  }, 60_000);

  it('delivers the completion webhook, retrying after a failure, and records the attempts', async () => {
    const received: Array<{ event: string; verification: Verification }> = [];
    let calls = 0;
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.statusCode = 500;
          res.end('busy');
          return;
        }
        received.push(JSON.parse(body) as { event: string; verification: Verification });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      clock.set((D + 12 * MIN) * 1000);
      const res = await start({
        id: 'pay-hooked',
        service: 'pay',
        environment: ENV,
        version: '1.1',
        comparison: 'canary',
        startAt: new Date(D * 1000).toISOString(),
        webhookUrl: `http://127.0.0.1:${port}/verdict`,
      });
      expect(res.statusCode).toBe(201);
      const runner = newRunner();
      await runner.tick();
      let v = (await get('pay-hooked')).json<Verification>();
      expect(v.webhook?.attempts).toHaveLength(1);
      expect(v.webhook?.attempts[0]?.statusCode).toBe(500);
      expect(v.webhook?.delivered).toBe(false);
      // Not due yet: no attempt.
      await runner.tick();
      expect(calls).toBe(1);
      clock.set(clock.now() + 1000);
      await runner.tick();
      v = (await get('pay-hooked')).json<Verification>();
      expect(v.webhook?.delivered).toBe(true);
      expect(v.webhook?.done).toBe(true);
      expect(v.webhook?.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
      expect(received).toHaveLength(1);
      expect(received[0]?.event).toBe('verification.completed');
      expect(received[0]?.verification.state).toBe('fail');
      await runner.stop();
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 60_000);

  it('answers Flagger’s webhooks by hook type', async () => {
    clock.set((D + 5 * MIN) * 1000);
    const body = (token: string) => ({
      name: 'pay',
      namespace: ENV,
      phase: 'Progressing',
      metadata: { version: '1.1', window: '5m', token },
    });
    const hook = (kind: string, token = TOKENS.pay) =>
      app.inject({ method: 'POST', url: `/hooks/flagger/${kind}`, payload: body(token) });
    // Started by the first call; canary window from now (D+5m) for 5 minutes.
    expect((await hook('check')).statusCode).toBe(200);
    expect((await hook('gate')).statusCode).toBe(423);
    expect((await hook('rollback')).statusCode).toBe(409);
    expect((await hook('check', 'wrong-token-0123456789')).statusCode).toBe(401);
    clock.set((D + 11 * MIN) * 1000);
    const runner = newRunner();
    await runner.tick();
    await runner.stop();
    const check = await hook('check');
    expect(check.statusCode).toBe(412);
    expect(check.json<{ summary: string }>().summary).toMatch(/^fail/);
    expect((await hook('gate')).statusCode).toBe(412);
    expect((await hook('rollback')).statusCode).toBe(200);
    const missing = await app.inject({
      method: 'POST',
      url: '/hooks/flagger/check',
      payload: { name: 'pay', namespace: ENV, metadata: { token: TOKENS.pay } },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<{ error: string }>().error).toContain('metadata.version');
  }, 60_000);

  it('scopes verifications to the caller’s teams', async () => {
    expect((await get('pay-canary-1.1', 'other')).statusCode).toBe(404);
    const forbidden = await start({ service: 'pay', environment: ENV, version: '9' }, 'other');
    expect(forbidden.statusCode).toBe(403);
    const mine = await app.inject({ url: '/api/verifications?service=pay', headers: auth('pay') });
    expect(mine.json<{ verifications: Verification[] }>().verifications.map((v) => v.id)).toContain(
      'pay-canary-1.1',
    );
    const theirs = await app.inject({ url: '/api/verifications', headers: auth('other') });
    expect(theirs.json<{ verifications: Verification[] }>().verifications).toEqual([]);
    const failed = await app.inject({
      url: '/api/verifications?state=fail&service=pay',
      headers: auth('pay'),
    });
    expect(
      failed.json<{ verifications: Verification[] }>().verifications.every((v) => v.state === 'fail'),
    ).toBe(true);
  });

  it('is idempotent on the id and refuses reuse for another version', async () => {
    const again = await start({ id: 'pay-canary-1.1', service: 'pay', environment: ENV, version: '1.1' });
    expect(again.statusCode).toBe(200);
    expect(again.json<{ created: boolean }>().created).toBe(false);
    const clash = await start({ id: 'pay-canary-1.1', service: 'pay', environment: ENV, version: '1.2' });
    expect(clash.statusCode).toBe(409);
  });

  it('applies a profile, and lets the request override it', async () => {
    const res = await start({
      service: 'pay',
      environment: ENV,
      version: '1.1',
      profile: 'canary-quick',
      window: '7m',
    });
    expect(res.statusCode).toBe(201);
    const v = res.json<{ verification: Verification }>().verification;
    expect(v.comparison).toBe('canary');
    expect(v.signals).toEqual(['error_rate', 'latency']);
    expect(v.windowSeconds).toBe(420);
    expect(v.profile).toBe('canary-quick');
  });

  it('answers bad input with a 4xx naming the problem', async () => {
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ service: 'pay', version: '1', environment: ENV, window: '5 minutes' }, 400, /window/],
      [
        { service: 'pay', version: '1', environment: ENV, window: '10s' },
        400,
        /window must be from 1m to 6h/,
      ],
      [{ service: 'pay', version: '1', environment: ENV, signals: ['errors'] }, 400, /signals/],
      [{ service: 'pay', version: '1', environment: ENV, comparison: 'sideways' }, 400, /comparison/],
      [{ service: 'pay', version: '1', environment: ENV, windw: '5m' }, 400, /windw/],
      [
        { service: 'pay', version: '1', environment: ENV, profile: 'nope' },
        400,
        /profile "nope" is not defined; known profiles: standard/,
      ],
      [
        { service: 'pay', version: '1', environment: ENV, thresholds: { latency: { minRatio: 0.5 } } },
        400,
        /minRatio/,
      ],
      [{ service: 'pay', version: '1', environment: ENV, deployId: 'no-such-deploy' }, 404, /no-such-deploy/],
      [{ service: 'pay', version: '1', environment: ENV, startAt: 'yesterday' }, 400, /startAt/],
      [{ service: 'pay', version: '1', environment: ENV, webhookUrl: 'ftp://x' }, 400, /webhookUrl/],
    ];
    for (const [body, status, message] of cases) {
      const res = await start(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(res.json<{ error: string }>().error).toMatch(message);
    }
  });

  it('never answers 5xx to a fuzzed start body', async () => {
    const key = fc.constantFrom(
      'id',
      'service',
      'environment',
      'version',
      'deployId',
      'profile',
      'comparison',
      'window',
      'signals',
      'thresholds',
      'startAt',
      'webhookUrl',
      'other',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('pay', '10m', 'canary', 'now-5m', 'standard', ['latency'], {
        latency: { minRatio: 2 },
      }),
      fc.integer(),
      fc.anything({ maxDepth: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, value, { maxKeys: 8 }), async (body) => {
        const res = await start({ service: 'pay', version: '1', environment: ENV, ...body });
        expect(res.statusCode, `${JSON.stringify(body)} → ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(res.json<{ code: string }>().code).toMatch(/^HUB_API_/);
      }),
      { numRuns: 60, seed: 42 },
    );
  }, 60_000);
});

describe('verification profiles', () => {
  it('loads the example file', () => {
    const file = path.resolve(import.meta.dirname, '../../verification-profiles.yaml');
    const { profiles, errors } = parseProfiles(readFileSync(file, 'utf8'), 'verification-profiles.yaml');
    expect(errors).toEqual([]);
    expect([...profiles.keys()]).toEqual(['standard', 'payments-strict', 'canary-quick']);
  });

  it('reports each problem with file:line:column', () => {
    const text = [
      'profiles:',
      '  quick:',
      '    window: 5 minutes',
      '    comparsion: canary',
      '    signals: [latency, nope]',
      '  long:',
      '    window: 12h',
    ].join('\n');
    const { errors } = parseProfiles(text, 'p.yaml');
    const lines = errors.map(formatProfileError);
    expect(lines).toContain(
      'p.yaml:3:13: profiles.quick.window must be a duration like 5m, 1h30m or 90s, got "5 minutes"',
    );
    expect(lines.some((l) => l.startsWith('p.yaml:4:5: ') && l.includes('did you mean "comparison"'))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('p.yaml:5:'))).toBe(true);
    expect(
      parseProfiles('profiles:\n  long:\n    window: 12h\n', 'q.yaml').errors.map(formatProfileError),
    ).toEqual(['q.yaml:3:13: profiles.long.window must be from 1m to 6h, got "12h"']);
    expect(parseProfiles('profiles: [\n', 'r.yaml').errors[0]?.message).toMatch(/^invalid YAML/);
  });

  it('keeps verification-profiles.schema.json generated from the schema', () => {
    const file = path.resolve(import.meta.dirname, '../../verification-profiles.schema.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(profilesJsonSchema());
  });
});
