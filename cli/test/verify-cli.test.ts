import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../core/src/index.ts';
import { buildApp } from '../../api/src/index.ts';
import { VerificationRunner } from '../../api/src/verifications/runner.ts';
import { startTestCollector, type TestCollector } from '../../test/helpers/collector.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';
import { waitForRows } from '../../api/test/metrics-otlp.ts';
import { sendPhase, type Phase } from '../../api/test/verification-telemetry.ts';
import { main } from '../src/main.ts';
import type { VerifyRuntime } from '../src/commands/verify.ts';

/**
 * The proof, end to end: a service's metrics and logs through the
 * real collector into ClickHouse, a deploy reported to the API, and
 * `hub verify` (its main function) against the listening API with the
 * runner in the API process. The regressed version exits 1 with the
 * explanation, the good version exits 0, a trickle of traffic exits 2 with
 * the requests still needed.
 */
const MIN = 60;
const now = Math.floor(Date.now() / 1000 / MIN) * MIN;
const DEPLOY = now - 15 * MIN;
const ENV = 'production';

const normal = (version: string, from: number, to: number, rps = 50): Phase => ({
  version,
  instance: `${version}-a`,
  from,
  to,
  requestsPerSecond: rps,
  errorRatio: 0.005,
  medianSeconds: 0.08,
  errorLogs: [{ body: (i) => `upstream timeout after ${1500 + i}ms`, perMinute: 2 }],
});

function capture(): {
  out: { stdout: (s: string) => void; stderr: (s: string) => void };
  text: () => string;
} {
  let buffer = '';
  return {
    out: { stdout: (s) => void (buffer += s), stderr: (s) => void (buffer += s) },
    text: () => buffer,
  };
}

const noInterrupt: VerifyRuntime = { interrupted: () => new AbortController().signal };

describe('hub verify, end to end', () => {
  let t: TestDb;
  let c: TestCollector;
  let app: FastifyInstance;
  let runner: VerificationRunner;
  let url: string;

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    let points = 0;
    let logs = 0;
    const add = (r: { points: number; logs: number }) => {
      points += r.points;
      logs += r.logs;
    };
    // checkout 1.4.2: 7x the errors, 1.6x the latency, and a new error pattern.
    add(await sendPhase(c, 'checkout', ENV, normal('1.4.1', DEPLOY - 30 * MIN, DEPLOY), 1));
    add(
      await sendPhase(
        c,
        'checkout',
        ENV,
        {
          ...normal('1.4.2', DEPLOY, DEPLOY + 12 * MIN),
          errorRatio: 0.035,
          medianSeconds: 0.13,
          errorLogs: [
            { body: (i) => `upstream timeout after ${1500 + i}ms`, perMinute: 2 },
            { body: (i) => `payment ${1000 + i} rejected: "insufficient funds"`, perMinute: 6 },
          ],
        },
        2,
      ),
    );
    // cart 2.0.1: the same service behaviour before and after.
    add(await sendPhase(c, 'cart', ENV, normal('2.0.0', DEPLOY - 30 * MIN, DEPLOY), 3));
    add(await sendPhase(c, 'cart', ENV, normal('2.0.1', DEPLOY, DEPLOY + 12 * MIN), 4));
    // search 0.9.1: one request every 20 seconds.
    add(await sendPhase(c, 'search', ENV, normal('0.9.0', DEPLOY - 30 * MIN, DEPLOY, 0.05), 5));
    add(await sendPhase(c, 'search', ENV, normal('0.9.1', DEPLOY, DEPLOY + 12 * MIN, 0.05), 6));
    await waitForRows(t.db, points, logs);

    app = await buildApp({ db: t.db, logger: createLogger('test', 'silent') });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    runner = new VerificationRunner({
      db: t.db,
      logger: createLogger('test', 'silent'),
      tickMs: 200,
      settleMs: 0,
      webhook: { attempts: 1, retryDelayMs: 10, timeoutMs: 1000 },
    });
    runner.start();
    for (const [service, version] of [
      ['checkout', '1.4.2'],
      ['cart', '2.0.1'],
      ['search', '0.9.1'],
    ] as const) {
      const at = new Date(DEPLOY * 1000).toISOString();
      const res = await app.inject({
        method: 'POST',
        url: '/api/deploys',
        payload: {
          id: `${service}-${version}`,
          service,
          environment: ENV,
          version,
          startedAt: at,
          finishedAt: at,
        },
      });
      expect(res.statusCode).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    await app?.close();
    await c?.stop();
    await t?.drop();
  });

  const verify = async (args: string[]) => {
    const cap = capture();
    const code = await main(
      ['verify', '--url', url, '--env', ENV, '--window', '10m', '--poll', '1', ...args],
      {},
      cap.out,
      noInterrupt,
    );
    return { code, text: cap.text() };
  };

  it('exits 1 with the explanation for the regressed version', async () => {
    const { code, text } = await verify([
      '--service',
      'checkout',
      '--version',
      '1.4.2',
      '--deploy-id',
      'checkout-1.4.2',
    ]);
    expect(text).toMatch(/fail: \d of 4 signals regressed/);
    expect(text).toMatch(
      /error rate 0\.\d+% → [3-4]\.\d% \(×\d+(\.\d)?, 95% CI ×[\d.]+–×[\d.]+, [\d.]+k vs [\d.]+k requests\) — fail/,
    );
    expect(text).toMatch(/p95 latency .* — fail/);
    expect(text).toContain('payment <num> rejected');
    expect(text).toMatch(/signal\s+baseline\s+candidate\s+change \(CI\)\s+samples\s+result/);
    expect(code).toBe(1);
  }, 60_000);

  it('exits 0 for the good version', async () => {
    const { code, text } = await verify([
      '--service',
      'cart',
      '--version',
      '2.0.1',
      '--deploy-id',
      'cart-2.0.1',
    ]);
    expect(text).toContain('pass: no regression in 4 signals');
    expect(code).toBe(0);
  }, 60_000);

  it('exits 2 on a trickle of traffic, saying how many more requests are needed', async () => {
    const { code, text } = await verify([
      '--service',
      'search',
      '--version',
      '0.9.1',
      '--deploy-id',
      'search-0.9.1',
    ]);
    expect(text).toContain('inconclusive');
    expect(text).toMatch(/about [\d,]+ more requests/);
    expect(code).toBe(2);
    const strict = await verify([
      '--service',
      'search',
      '--version',
      '0.9.1',
      '--deploy-id',
      'search-0.9.1',
      '--fail-on-inconclusive',
    ]);
    expect(strict.code).toBe(1);
  }, 60_000);

  it('prints JSON with --format json', async () => {
    const { code, text } = await verify([
      '--service',
      'cart',
      '--version',
      '2.0.1',
      '--start-at',
      new Date(DEPLOY * 1000).toISOString(),
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const v = JSON.parse(text) as { state: string; argo: { phase: string }; verdict: { signals: unknown[] } };
    expect(v.state).toBe('pass');
    expect(v.argo.phase).toBe('Successful');
    expect(v.verdict.signals).toHaveLength(4);
  }, 60_000);

  it('maps an unreachable hub to --on-unreachable, and a rejected request to 3', async () => {
    const base = ['verify', '--service', 'cart', '--version', '2.0.1', '--retries', '0', '--timeout', '2'];
    const dead = 'http://127.0.0.1:9';
    expect(await main([...base, '--url', dead], {}, capture().out, noInterrupt)).toBe(3);
    expect(
      await main([...base, '--url', dead, '--on-unreachable', 'pass'], {}, capture().out, noInterrupt),
    ).toBe(0);
    expect(
      await main([...base, '--url', dead, '--on-unreachable', 'fail'], {}, capture().out, noInterrupt),
    ).toBe(1);
    const cap = capture();
    expect(await main([...base, '--url', url, '--window', '3s'], {}, cap.out, noInterrupt)).toBe(3);
    expect(cap.text()).toContain('window must be from 1m to 6h');
    // Usage errors of hub verify are errors (3), not "inconclusive" (2).
    expect(await main(['verify', '--url', url, '--service', 'x'], {}, capture().out, noInterrupt)).toBe(3);
  }, 60_000);

  it('stops waiting on Ctrl-C and says the verification keeps running', async () => {
    const controller = new AbortController();
    const cap = capture();
    const started = main(
      [
        'verify',
        '--url',
        url,
        '--service',
        'cart',
        '--version',
        '2.0.1',
        '--env',
        ENV,
        '--start-at',
        'now',
        '--poll',
        '1',
      ],
      {},
      cap.out,
      { interrupted: () => controller.signal },
    );
    setTimeout(() => controller.abort(), 300);
    expect(await started).toBe(130);
    expect(cap.text()).toMatch(/keeps running on the hub: GET \/api\/verifications\/cli-/);
  }, 30_000);
});
