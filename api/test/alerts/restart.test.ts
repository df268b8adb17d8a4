import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { AlertEngine } from '../../src/alerts/eval/index.ts';
import { insertLogs, MIN, RecordingPublisher, rulesFrom, T0 } from './helpers.ts';

/**
 * A restart in the middle of each state: pending (for keeps counting from the
 * first activation), firing (same activeAt, no new activation), and firing
 * held by keep_firing_for after the condition cleared (resolves on time).
 */
const RULES = `
groups:
  - name: g
    interval: 1m
    rules:
      - alert: Errors
        kind: log
        query: 'service:svc severity:>=error'
        window: 1m
        condition: { op: '>', threshold: 0 }
        for: 3m
        keep_firing_for: 3m
`;

describe('alert restart (ClickHouse)', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb();
    // Errors during minutes 1..5 (evaluations at 1m..5m see them), none afterwards.
    await insertLogs(
      t.db,
      Array.from({ length: 5 }, (_, m) => ({ t: T0 + m * MIN + 30_000, service: 'svc', severity: 17 })),
    );
  });
  afterAll(async () => {
    await t.drop();
  });

  /** A new engine on the same database, as after a restart at `at`. */
  async function restart(at: number, publisher = new RecordingPublisher()) {
    const engine = new AlertEngine({ db: t.db, publisher });
    await engine.setRules(await rulesFrom(RULES), null, at);
    await engine.restore(at);
    return { engine, publisher };
  }
  const only = (e: AlertEngine) => e.allInstances()[0];

  it('restarts in pending, firing and keep_firing_for, continuing each', async () => {
    let { engine } = await restart(T0);
    await engine.evaluateGroup('g', T0 + 1 * MIN);
    expect(only(engine)).toMatchObject({ state: 'pending', activeAt: T0 + MIN });

    // Restart while pending: `for` still counts from 1m, so it fires at 4m, not 5m.
    ({ engine } = await restart(T0 + 2 * MIN));
    expect(only(engine)).toMatchObject({ state: 'pending', activeAt: T0 + MIN });
    await engine.evaluateGroup('g', T0 + 2 * MIN);
    await engine.evaluateGroup('g', T0 + 3 * MIN);
    expect(only(engine)?.state).toBe('pending');
    await engine.evaluateGroup('g', T0 + 4 * MIN);
    expect(only(engine)).toMatchObject({ state: 'firing', activeAt: T0 + MIN, firedAt: T0 + 4 * MIN });

    // Restart while firing: the first publication carries the same activeAt and firedAt.
    let publisher: RecordingPublisher;
    ({ engine, publisher } = await restart(T0 + 5 * MIN));
    await engine.evaluateGroup('g', T0 + 5 * MIN);
    expect(publisher.last()).toEqual([
      expect.objectContaining({ state: 'firing', activeAt: T0 + MIN, firedAt: T0 + 4 * MIN }),
    ]);
    // 6m: the condition clears; keep_firing_for (3m) holds it.
    await engine.evaluateGroup('g', T0 + 6 * MIN);
    expect(only(engine)).toMatchObject({ state: 'firing', clearedAt: T0 + 6 * MIN });

    // Restart inside keep_firing_for: it resolves 3m after the condition cleared, at 9m.
    ({ engine, publisher } = await restart(T0 + 7 * MIN));
    expect(only(engine)).toMatchObject({ state: 'firing', clearedAt: T0 + 6 * MIN });
    await engine.evaluateGroup('g', T0 + 7 * MIN);
    await engine.evaluateGroup('g', T0 + 8 * MIN);
    expect(only(engine)?.state).toBe('firing');
    await engine.evaluateGroup('g', T0 + 9 * MIN);
    expect(only(engine)).toMatchObject({ state: 'resolved', resolvedAt: T0 + 9 * MIN });
    expect(publisher.last()).toEqual([expect.objectContaining({ state: 'resolved', activeAt: T0 + MIN })]);

    // Restart after resolving: the resolved instance is still published (15 minutes), not re-fired.
    ({ engine, publisher } = await restart(T0 + 10 * MIN));
    await engine.evaluateGroup('g', T0 + 10 * MIN);
    expect(publisher.last()).toEqual([
      expect.objectContaining({ state: 'resolved', resolvedAt: T0 + 9 * MIN }),
    ]);
  });
});
