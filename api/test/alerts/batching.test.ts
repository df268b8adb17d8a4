import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { startTestCollector, type TestCollector } from '../../../test/helpers/collector.ts';
import { AlertEngine } from '../../src/alerts/eval/index.ts';
import { evaluateAbsenceRules } from '../../src/alerts/eval/absence-queries.ts';
import { compileMatcher } from '../../src/alerts/eval/label-match.ts';
import { chunkBySearches, evaluateLogRules } from '../../src/alerts/eval/log-queries.ts';
import type { MetricBatchStats } from '../../src/alerts/eval/metric-batch.ts';
import { evaluateMetricRules } from '../../src/alerts/eval/metric-queries.ts';
import type { EvalContext, RuleResult } from '../../src/alerts/eval/results.ts';
import type {
  AbsenceAlertRule,
  LogAlertRule,
  MetricAlertRule,
  RuleSet,
} from '../../src/alerts/rules/model.ts';
import { metricsPayload, postOtlp, range, waitForRows, type MetricSpec } from '../metrics-otlp.ts';
import { insertLogs, MIN, rulesFrom, T0, type LogRow } from './helpers.ts';

/**
 * Batching gives the answers one query per rule gives, on real data: metrics
 * through the real collector (counters with a reset, gauges, histograms, a
 * metric name with two kinds, a non-ASCII label value), logs and absence
 * inserted directly. Each rule's result from the batched evaluation of the
 * whole rule set (one round) is compared with its result evaluated alone /
 * unbatched; values to a relative 1e-9 (a batch adds per-group values where
 * the engine adds per-series ones: the same sum in another order).
 */
/** Metric points over the last 35 minutes: series rows are refreshed at receive time (now). */
const M0 = Math.floor(Date.now() / MIN) * MIN - 35 * MIN;
const S = M0 / 1000;
const N = 180; // 30 minutes of points every 10 s
const at = (i: number) => S + i * 10;

function counter(attrs: Record<string, string>, perStep: number, resetAt = -1): MetricSpec['points'] {
  let v = 0;
  return range(N).map((i) => {
    v = i === resetAt ? perStep : v + perStep + (i % 3);
    return { t: at(i), start: i >= resetAt && resetAt >= 0 ? at(resetAt) - 1 : S - 3600, attrs, value: v };
  });
}

const ROUTES = ['/a', '/b', '/c'];
const svcMetrics = (svc: number): MetricSpec[] => [
  {
    name: 'requests_total',
    kind: 'sum',
    points: ROUTES.flatMap((route, r) =>
      ['200', '500'].flatMap((code) =>
        counter({ route, code }, (svc + 1) * (r + 1) * (code === '500' ? 1 : 7), r === 1 ? 90 : -1),
      ),
    ).concat(counter({ route: '/é', code: '200' }, 3)),
  },
  {
    name: 'queue_depth',
    kind: 'gauge',
    points: ROUTES.flatMap((route, r) =>
      ['h1', 'h2'].flatMap((host, h) =>
        range(N).map((i) => ({
          t: at(i),
          attrs: { route, host },
          value: ((i * (r + 2) + h * 7) % 50) + svc,
        })),
      ),
    ),
  },
  {
    name: 'latency',
    unit: 's',
    kind: 'histogram',
    points: ROUTES.flatMap((route, r) =>
      range(N).map((i) => ({
        t: at(i),
        start: S - 3600,
        attrs: { route },
        count: 10 * (i + 1) * (r + 1),
        sum: (i + 1) * (r + 1),
        bounds: [0.05, 0.1, 0.5, 1],
        counts: [4 * (i + 1) * (r + 1), 3 * (i + 1) * (r + 1), 2 * (i + 1) * (r + 1), (i + 1) * (r + 1), 0],
      })),
    ),
  },
  // The same name as a gauge in one service and a counter in the other: two kinds without a service.
  svc === 0
    ? {
        name: 'mixed',
        kind: 'gauge',
        points: range(N).map((i) => ({ t: at(i), attrs: { route: '/a' }, value: i })),
      }
    : { name: 'mixed', kind: 'sum', points: counter({ route: '/a' }, 5) },
];

const metricRule = (name: string, query: string, extra = '', interval = '') => `
      - alert: ${name}
        kind: metric
        query: ${query}
        window: 10m
        ${interval}
        ${extra}
        condition: { op: '>', threshold: 1 }`;

const q = (metric: string, more = '') =>
  `{ metric: ${metric}, service: svc0, environment: production${more} }`;

const RULES = `
groups:
  - name: m1
    interval: 1m
    rules:${[
      metricRule('RateAll', q('requests_total', ', aggregation: rate')),
      metricRule('RateByRoute', q('requests_total', ', aggregation: rate'), 'group_by: [route]'),
      metricRule(
        'Rate500ByRoute',
        q('requests_total', `, aggregation: rate, matchers: [{ key: code, op: '=', value: '500' }]`),
        'group_by: [route]',
      ),
      metricRule(
        'RateAB',
        q('requests_total', `, aggregation: rate, matchers: [{ key: route, op: '=~', value: '/a|/b' }]`),
      ),
      metricRule(
        'RateNotC',
        q('requests_total', `, aggregation: increase, matchers: [{ key: route, op: '!~', value: '/c' }]`),
        'reduce: sum',
      ),
      metricRule(
        'ErrorRatio',
        q('requests_total', `, aggregation: rate, matchers: [{ key: code, op: '=~', value: '5..' }]`),
        `ratio_of: ${q('requests_total', ', aggregation: rate')}\n        group_by: [route]`,
      ),
      metricRule(
        'AnyRoute',
        q('requests_total', `, aggregation: rate, matchers: [{ key: route, op: '=~', value: '/.*' }]`),
      ),
      metricRule(
        'CaseFlag',
        q('requests_total', `, aggregation: rate, matchers: [{ key: route, op: '=~', value: '(?i)/A' }]`),
      ),
    ].join('')}
  - name: m2
    interval: 1m
    rules:${[
      metricRule(
        'DepthOne',
        q(
          'queue_depth',
          `, matchers: [{ key: route, op: '=', value: /a }, { key: host, op: '=', value: h1 }]`,
        ),
      ),
      metricRule('DepthAvg', q('queue_depth'), 'reduce: max'),
      metricRule('DepthMaxByHost', q('queue_depth', ', aggregation: max'), 'group_by: [host]'),
      metricRule(
        'DepthSumByHost',
        q('queue_depth', ', aggregation: sum'),
        'group_by: [host]\n        reduce: last',
      ),
      metricRule(
        'DepthAB',
        q('queue_depth', `, aggregation: last, matchers: [{ key: route, op: '=~', value: '/(a|b)' }]`),
        'group_by: [host]',
      ),
      metricRule('P95ByRoute', q('latency', ', aggregation: p95'), 'group_by: [route]'),
      metricRule('P95', q('latency', ', aggregation: p95')),
      metricRule(
        'CountRateA',
        q('latency', `, aggregation: count_rate, matchers: [{ key: route, op: '=', value: /a }]`),
      ),
      metricRule('CountRate', q('latency', ', aggregation: count_rate')),
      metricRule('MixedAll', '{ metric: mixed }'),
      metricRule('MixedByRoute', '{ metric: mixed }', 'group_by: [route]'),
      metricRule('MixedSvc0', '{ metric: mixed, service: svc0 }'),
      metricRule('MixedSvc0Route', '{ metric: mixed, service: svc0 }', 'group_by: [route]'),
      metricRule('Nope', q('nope')),
      metricRule('NopeByRoute', q('nope'), 'group_by: [route]'),
      metricRule(
        'OtherSvc',
        '{ metric: requests_total, service: svc1, aggregation: rate }',
        'group_by: [code]',
      ),
      metricRule('OtherSvcAll', '{ metric: requests_total, service: svc1, aggregation: rate }'),
    ].join('')}
  - name: m3
    interval: 30s
    rules:${[
      metricRule('Rate30s', q('requests_total', ', aggregation: rate')),
      metricRule('Rate30sByCode', q('requests_total', ', aggregation: rate'), 'group_by: [code]'),
    ].join('')}
  - name: logs1
    interval: 1m
    rules:
      - alert: Errors
        kind: log
        query: 'service:checkout severity:>=error'
        window: 5m
        condition: { op: '>', threshold: 1 }
      - alert: ErrorsByHost
        kind: log
        query: 'service:checkout severity:>=error'
        window: 5m
        group_by: [host]
        condition: { op: '>', threshold: 1 }
      - alert: Silent
        kind: absence
        service: checkout
        for: 5m
  - name: logs2
    interval: 1m
    rules:
      - alert: Ratio
        kind: log
        query: 'service:checkout severity:>=error'
        ratio_of: 'service:checkout'
        window: 5m
        condition: { op: '>', threshold: 0.1 }
      - alert: Timeouts
        kind: log
        query: 'timeout'
        window: 5m
        condition: { op: '>', threshold: 1 }
      - alert: PaymentsByVersion
        kind: log
        query: 'service:payments'
        ratio_of: 'service:payments OR service:checkout'
        window: 5m
        group_by: [version]
        condition: { op: '>', threshold: 0.1 }
      - alert: MetricsSilent
        kind: absence
        service: svc0
        environment: production
        metric: requests_total
        for: 10m
      - alert: NeverSeen
        kind: absence
        service: ghost
        for: 5m
      - alert: CheckoutSilentAgain
        kind: absence
        service: checkout
        for: 5m
`;

type Comparable = Array<{ labels: string; obs: string; value: number | null }>;

function comparable(r: RuleResult | undefined): Comparable | string {
  if (r === undefined) return 'missing';
  if (r.kind === 'error') return `error: ${r.message}`;
  return [...r.samples]
    .map((s) => ({
      labels: JSON.stringify(Object.entries(s.groupLabels).sort()),
      obs: s.obs.kind,
      value: s.obs.kind === 'value' ? s.obs.value : null,
    }))
    .sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
}

function expectSame(name: string, batched: RuleResult | undefined, alone: RuleResult | undefined): void {
  const a = comparable(batched);
  const b = comparable(alone);
  if (typeof a === 'string' || typeof b === 'string') {
    expect(a, name).toEqual(b);
    return;
  }
  expect(
    a.map(({ labels, obs }) => ({ labels, obs })),
    name,
  ).toEqual(b.map(({ labels, obs }) => ({ labels, obs })));
  a.forEach((x, i) => {
    const y = b[i]!.value;
    if (x.value === null || y === null) expect(x.value, name).toBe(y);
    else
      expect(Math.abs(x.value - y), `${name} ${x.labels}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(y)),
      );
  });
}

describe('alert evaluation batching (ClickHouse)', () => {
  let t: TestDb;
  let c: TestCollector;
  let rules: RuleSet;
  const ctx = (atMs: number): EvalContext => ({
    db: t.db,
    at: atMs,
    queryTimeoutMs: 30_000,
    maxConcurrentQueries: 4,
  });

  beforeAll(async () => {
    t = await createTestDb();
    c = await startTestCollector(t.db);
    let samples = 0;
    for (const svc of [0, 1]) {
      const metrics = svcMetrics(svc);
      samples += metrics.reduce((n, m) => n + m.points.length, 0);
      await postOtlp(
        c.httpUrl,
        '/v1/metrics',
        metricsPayload({ 'service.name': `svc${svc}`, 'deployment.environment.name': 'production' }, metrics),
      );
    }
    await waitForRows(t.db, samples);
    const logs: LogRow[] = [];
    for (let m = 0; m < 20; m++) {
      for (let i = 0; i < 12; i++) {
        logs.push({
          t: T0 + m * MIN + i * 4000,
          service: i % 3 === 0 ? 'payments' : 'checkout',
          severity: i % 4 === 0 ? 17 : 9,
          host: `h${i % 2}`,
          version: `1.${m % 3}`,
          body: i % 5 === 0 ? 'upstream timeout' : 'ok',
        });
      }
    }
    await insertLogs(t.db, logs);
    rules = await rulesFrom(RULES);
  });

  afterAll(async () => {
    await c.stop();
    await t.drop();
  });

  const metricRules = () => rules.rules.filter((r): r is MetricAlertRule => r.kind === 'metric');

  it('metric rules: one batched round answers as one engine call per rule, with fewer calls', async () => {
    for (const atMs of [M0 + 20 * MIN, M0 + 30 * MIN]) {
      const batchedStats: MetricBatchStats = { calls: 0, skipped: 0, fallbacks: 0 };
      const aloneStats: MetricBatchStats = { calls: 0, skipped: 0, fallbacks: 0 };
      const batched = await evaluateMetricRules(ctx(atMs), metricRules(), { stats: batchedStats });
      const alone = await evaluateMetricRules(ctx(atMs), metricRules(), { batch: false, stats: aloneStats });
      for (const rule of metricRules()) expectSame(rule.alert, batched.get(rule.id), alone.get(rule.id));
      // Every rule answered with data except the missing metric (no data, no query).
      const withValues = metricRules().filter((r) => {
        const res = batched.get(r.id);
        return res?.kind === 'samples' && res.samples.some((s) => s.obs.kind === 'value');
      });
      expect(withValues.map((r) => r.alert).sort()).toEqual(
        metricRules()
          .map((r) => r.alert)
          .filter((a) => !a.startsWith('Nope'))
          .sort(),
      );
      expect(aloneStats.calls).toBe(27);
      expect(batchedStats.skipped).toBe(2);
      // avg / last / p95 over several batch groups, the non-ASCII route under a regex: re-run alone.
      expect(batchedStats.fallbacks).toBeGreaterThanOrEqual(4);
      // 27 requests: 7 batch calls, 9 on their own (single or two kinds), 2 re-runs; 2 without a call.
      expect(batchedStats.calls).toBeLessThanOrEqual(18);
    }
  });

  it('a rule evaluated on its own and in the whole round gets the same result (log, metric, absence)', async () => {
    const atMs = T0 + 18 * MIN + 30_000;
    const logRules = rules.rules.filter((r): r is LogAlertRule => r.kind === 'log');
    const absence = rules.rules.filter((r): r is AbsenceAlertRule => r.kind === 'absence');
    const logRound = await evaluateLogRules(ctx(atMs), logRules);
    const absenceRound = await evaluateAbsenceRules(ctx(atMs), absence);
    for (const rule of logRules) {
      expectSame(rule.alert, logRound.get(rule.id), (await evaluateLogRules(ctx(atMs), [rule])).get(rule.id));
    }
    for (const rule of absence) {
      expectSame(
        rule.alert,
        absenceRound.get(rule.id),
        (await evaluateAbsenceRules(ctx(atMs), [rule])).get(rule.id),
      );
    }
    expect(comparable(absenceRound.get(absence.find((r) => r.alert === 'NeverSeen')!.id))).toEqual([
      { labels: JSON.stringify([['service', 'ghost']]), obs: 'value', value: 900 },
    ]);
    const errors = logRound.get(logRules.find((r) => r.alert === 'Errors')!.id);
    expect(errors?.kind === 'samples' && errors.samples[0]?.obs).toEqual({ kind: 'value', value: 10 });
  });

  it('matchers judged in Node: only the regex subset RE2 reads alike, on printable ASCII values', () => {
    const m = (op: '=' | '!=' | '=~' | '!~', value: string) => compileMatcher({ key: 'route', op, value });
    expect(m('=', '/a')?.('/a')).toBe(true);
    expect(m('!=', '/a')?.('')).toBe(true);
    expect(m('=~', '/a|/b')?.('/b')).toBe(true);
    expect(m('=~', '/a')?.('/ab')).toBe(false); // anchored, as in the engine
    expect(m('!~', '5..')?.('500')).toBe(false);
    expect(m('=~', '/.*')?.('/é')).toBe('unknown');
    for (const pattern of ['(?i)a', '[[:alpha:]]+', '[]a]', 'a\\s', '(a', 'a{2}', '\\1'])
      expect(m('=~', pattern), pattern).toBeNull();
  });

  it('log batches are split by distinct searches, a ratio rule keeping both in one query', () => {
    const logRules = rules.rules.filter((r): r is LogAlertRule => r.kind === 'log');
    const chunks = chunkBySearches(logRules, 2);
    for (const chunk of chunks) {
      const searches = new Set(chunk.flatMap((r) => [r.query, ...(r.ratioOf ? [r.ratioOf] : [])]));
      expect(searches.size).toBeLessThanOrEqual(2);
    }
    expect(chunks.flat()).toEqual(logRules);
    expect(chunkBySearches(logRules, 64)).toHaveLength(1);
  });

  it('the engine: groups evaluated together share queries and end in the states of groups evaluated one by one', async () => {
    const atMs = M0 + 20 * MIN;
    let together = 0;
    let oneByOne = 0;
    const a = new AlertEngine({ db: t.db, onQuery: () => together++ });
    const b = new AlertEngine({ db: t.db, onQuery: () => oneByOne++ });
    await a.setRules(rules, null, atMs);
    await b.setRules(rules, null, atMs);
    await Promise.all(rules.groups.map((g) => a.evaluateGroup(g.name, atMs)));
    for (const g of rules.groups) await b.evaluateGroup(g.name, atMs);
    const states = (e: AlertEngine) =>
      e
        .allInstances()
        .map((s) => ({
          id: s.instanceId,
          state: s.state,
          value: s.value === null ? null : Number(s.value.toPrecision(12)),
        }))
        .sort((x, y) => (x.id < y.id ? -1 : 1));
    expect(states(a)).toEqual(states(b));
    expect(states(a).length).toBeGreaterThan(20);
    for (const r of rules.rules) expect(a.status(r.id)?.outcome, r.alert).toBe(b.status(r.id)?.outcome);
    expect(together).toBeLessThan(oneByOne);
  });
});
