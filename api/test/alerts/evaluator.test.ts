import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../core/src/index.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { AlertEngine } from '../../src/alerts/eval/index.ts';
import { insertLogs, MIN, RecordingPublisher, rulesFrom, T0, type LogRow } from './helpers.ts';

/**
 * The evaluator end to end on a real ClickHouse: logs inserted at known
 * times, groups evaluated at explicit times, states and history read back
 * from ClickHouse, notices recorded by a publisher; then a restart (a new
 * engine on the same database) continues without a new activeAt.
 */
const RULES = `
groups:
  - name: shop
    interval: 1m
    labels: { team: shop }
    rules:
      - alert: ManyErrors
        kind: log
        query: 'service:checkout severity:>=error'
        window: 1m
        group_by: [host]
        condition: { op: '>=', threshold: 3 }
        for: 2m
        labels: { severity: critical, service: checkout }
        annotations:
          summary: '{{$value}} errors on {{$labels.host}} in {{$window}}'
      - alert: ErrorRatio
        kind: log
        query: 'service:checkout severity:>=error'
        ratio_of: 'service:checkout'
        window: 1m
        condition: { op: '>', threshold: 0.5 }
        recovery: 0.2
        for: 0s
        keep_firing_for: 2m
        no_data: alert
        labels: { severity: warning, service: checkout }
      - alert: CheckoutSilent
        kind: absence
        service: checkout
        environment: production
        for: 5m
        labels: { severity: critical }
`;

/** n records in the minute before `at`. */
function minute(at: number, n: number, severity: number, host = 'h1'): LogRow[] {
  return Array.from({ length: n }, (_, i) => ({
    t: at - MIN + 1000 + i * 100,
    service: 'checkout',
    severity,
    host,
  }));
}

describe('alert evaluator (ClickHouse)', () => {
  let t: TestDb;
  const publisher = new RecordingPublisher();
  let engine: AlertEngine;

  beforeAll(async () => {
    t = await createTestDb();
    // Minutes 1..4: 4 errors + 1 info on h1 (ratio 0.8), 1 error on h2; minute 5: info only; then silence.
    for (let m = 1; m <= 4; m++) {
      await insertLogs(t.db, [
        ...minute(T0 + m * MIN, 4, 17),
        ...minute(T0 + m * MIN, 1, 9),
        ...minute(T0 + m * MIN, 1, 17, 'h2'),
      ]);
    }
    await insertLogs(t.db, minute(T0 + 5 * MIN, 10, 9));
    engine = new AlertEngine({ db: t.db, publisher });
    await engine.setRules(await rulesFrom(RULES), null, T0);
    await engine.restore(T0);
  });

  afterAll(async () => {
    await t.drop();
  });

  const state = (alert: string) =>
    engine
      .allInstances()
      .filter((s) => s.alert === alert)
      .map((s) => ({ state: s.state, labels: s.labels, value: s.value }));

  it('pending → firing after for, per group_by value; ratio fires at once; history and notices', async () => {
    await engine.evaluateGroup('shop', T0 + 1 * MIN);
    expect(state('ManyErrors')).toEqual([
      {
        state: 'pending',
        value: 4,
        labels: {
          alertname: 'ManyErrors',
          team: 'shop',
          severity: 'critical',
          service: 'checkout',
          host: 'h1',
        },
      },
    ]);
    expect(state('ErrorRatio')).toEqual([expect.objectContaining({ state: 'firing', value: 5 / 6 })]);
    expect(publisher.last('shop').map((n) => n.alert)).toEqual(['ErrorRatio']);

    await engine.evaluateGroup('shop', T0 + 2 * MIN);
    expect(state('ManyErrors')[0]?.state).toBe('pending');
    await engine.evaluateGroup('shop', T0 + 3 * MIN);
    expect(state('ManyErrors')[0]?.state).toBe('firing');
    const notice = publisher.last('shop').find((n) => n.alert === 'ManyErrors');
    expect(notice).toMatchObject({
      state: 'firing',
      reason: 'threshold',
      value: 4,
      threshold: 3,
      op: '>=',
      activeAt: T0 + 1 * MIN,
      firedAt: T0 + 3 * MIN,
      service: 'checkout',
      annotations: { summary: '4 errors on h1 in 1m', description: '', runbookUrl: null },
    });

    const history = await t.db.query<{ alert: string; from_state: string; to_state: string; at_ms: string }>(
      sql`SELECT alert, from_state, to_state, toString(at_ms) AS at_ms FROM alert_history WHERE alert = 'ManyErrors' ORDER BY at_ms`,
    );
    expect(history).toEqual([
      { alert: 'ManyErrors', from_state: 'inactive', to_state: 'pending', at_ms: String(T0 + MIN) },
      { alert: 'ManyErrors', from_state: 'pending', to_state: 'firing', at_ms: String(T0 + 3 * MIN) },
    ]);
    const [status] = await t.db.query<{ outcome: string; n: string }>(
      sql`SELECT argMax(outcome, evaluated_at_ms) AS outcome, toString(count()) AS n FROM alert_rule_status GROUP BY rule_id HAVING argMax(alert, evaluated_at_ms) = 'ManyErrors'`,
    );
    expect(status).toEqual({ outcome: 'ok', n: '3' });
  });

  it('a restart continues firing with the same activeAt and publishes no new activation', async () => {
    const again = new RecordingPublisher();
    const restarted = new AlertEngine({ db: t.db, publisher: again });
    await restarted.setRules(await rulesFrom(RULES), null, T0 + 4 * MIN);
    await restarted.restore(T0 + 4 * MIN);
    await restarted.evaluateGroup('shop', T0 + 4 * MIN);
    const firing = again.last('shop').find((n) => n.alert === 'ManyErrors');
    expect(firing).toMatchObject({ state: 'firing', activeAt: T0 + MIN, firedAt: T0 + 3 * MIN });
    expect(restarted.status(firing!.ruleId)?.outcome).toBe('ok');
  });

  it('hysteresis and keep_firing_for hold the ratio alert; resolved later; no data alerts', async () => {
    await engine.evaluateGroup('shop', T0 + 4 * MIN);
    // Minute 5: 0 errors / 10 records: past recovery, but keep_firing_for (2m) holds it.
    await engine.evaluateGroup('shop', T0 + 5 * MIN);
    expect(state('ErrorRatio')[0]).toMatchObject({ state: 'firing', value: 0 });
    expect(state('ManyErrors')[0]?.state).toBe('resolved');
    // Minute 6 and 7: nothing at all: the ratio has no data, and no_data: alert keeps it firing.
    await engine.evaluateGroup('shop', T0 + 6 * MIN);
    expect(state('ErrorRatio')[0]).toMatchObject({ state: 'firing', value: null });
    const ratio = publisher.last('shop').find((n) => n.alert === 'ErrorRatio');
    expect(ratio).toMatchObject({ state: 'firing', reason: 'no_data' });
    // Resolved ManyErrors is still published (resolved within 15 minutes).
    expect(publisher.last('shop').find((n) => n.alert === 'ManyErrors')).toMatchObject({
      state: 'resolved',
      resolvedAt: T0 + 5 * MIN,
    });
  });

  it('absence: fires once the service has been silent for `for`', async () => {
    // The last record is at 4:01 (minute 5's records start a second into it).
    await engine.evaluateGroup('shop', T0 + 9 * MIN);
    expect(state('CheckoutSilent')).toEqual([]);
    await engine.evaluateGroup('shop', T0 + 10 * MIN);
    expect(state('CheckoutSilent')).toEqual([
      {
        state: 'firing',
        value: 359,
        labels: {
          alertname: 'CheckoutSilent',
          team: 'shop',
          severity: 'critical',
          service: 'checkout',
          env: 'production',
        },
      },
    ]);
  });
});
