import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../core/src/index.ts';
import { eventually } from '../../../test/helpers/collector.ts';
import { createTestDb, type TestDb } from '../../../test/helpers/db.ts';
import { buildApp } from '../../src/index.ts';
import { watchRouting } from '../../src/alerts/notify/routing-watch.ts';
import { EMPTY_ROUTING } from '../../src/alerts/notify/routing-load.ts';
import type { Routing } from '../../src/alerts/notify/routing-model.ts';
import { startAlerts, type AlertsRuntime } from '../../src/alerts/start.ts';
import { ManualAlertsClock } from './alerts-clock.ts';
import { notice, startFakeSlack, type FakeSlack } from './notify/helpers.ts';

/**
 * The routing file reloads like the rules: on a file change (watched) and on
 * POST /api/alerts/reload. An invalid file is logged and listed with the
 * rules' load errors, and the previous routing stays active; the notifier
 * routes new groups with what was reloaded.
 */

const routingTo = (channel: string, receiver = 'shop') => `
receivers:
  - name: ${receiver}
    slack: ['${channel}']
route:
  group_wait: 30s
  routes:
    - matchers: [{ name: team, op: '=', value: shop }]
      receiver: ${receiver}
`;
/** Line 6 names a receiver the file does not define. */
const INVALID = `receivers:
  - name: shop
    slack: ['#shop']
route:
  routes:
    - receiver: nobody
`;

const receiverNames = (r: Routing) => [...r.receivers.keys()];

describe('watchRouting', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hub-routing-watch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reloads on demand: missing, valid, unchanged, invalid (kept), removed (kept), fixed', async () => {
    const file = path.join(dir, 'on-demand.yaml');
    const changes: string[][] = [];
    const invalid: string[] = [];
    const w = await watchRouting({
      file,
      debounceMs: 3_600_000,
      onChange: (r) => changes.push(receiverNames(r)),
      onInvalid: (errors) => invalid.push(...errors.map((e) => `${e.line}:${e.column} ${e.code}`)),
    });
    try {
      // Missing at start: no label routes, and no error (as at start-up).
      expect(w.initial).toEqual({ routing: EMPTY_ROUTING, errors: [] });
      expect((await w.reload()).status).toBe('unchanged');

      await writeFile(file, routingTo('#a', 'first'));
      const loaded = await w.reload();
      expect(loaded.status).toBe('changed');
      expect(receiverNames(w.current())).toEqual(['first']);
      expect((await w.reload()).status).toBe('unchanged');

      await writeFile(file, INVALID);
      const bad = await w.reload();
      expect(bad.status).toBe('invalid');
      expect(bad.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}`)).toEqual([
        `${file}:6:17 HUB_RULES_ROUTING`,
      ]);
      expect(w.errors()).toEqual(bad.errors);
      expect(receiverNames(w.current())).toEqual(['first']);

      // Once a file was loaded, its removal is an error too: the loaded routing stays.
      await unlink(file);
      expect((await w.reload()).status).toBe('invalid');
      expect(w.errors()[0]?.message).toContain('removed');
      expect(receiverNames(w.current())).toEqual(['first']);

      await writeFile(file, routingTo('#b', 'second'));
      expect((await w.reload()).status).toBe('changed');
      expect(receiverNames(w.current())).toEqual(['second']);
      expect(w.errors()).toEqual([]);
      expect(changes).toEqual([['first'], ['second']]);
      expect(invalid).toEqual(['6:17 HUB_RULES_ROUTING', '1:1 HUB_RULES_FILE']);
    } finally {
      w.close();
    }
  });

  it('reloads when the file changes, saved by renaming over it as editors do', async () => {
    const file = path.join(dir, 'watched.yaml');
    await writeFile(file, routingTo('#a', 'before'));
    const seen: string[][] = [];
    const w = await watchRouting({ file, debounceMs: 20, onChange: (r) => seen.push(receiverNames(r)) });
    try {
      expect(receiverNames(w.current())).toEqual(['before']);
      const tmp = path.join(dir, '.watched.yaml.swp');
      await writeFile(tmp, routingTo('#b', 'after'));
      await rename(tmp, file);
      await eventually(async () => seen.length > 0, 10_000, 'the routing reload');
      expect(seen).toEqual([['after']]);
      expect(receiverNames(w.current())).toEqual(['after']);
    } finally {
      w.close();
    }
  });
});

describe('routing reload in the API process (startAlerts, POST /api/alerts/reload)', () => {
  let t: TestDb;
  let dir: string;
  let slack: FakeSlack;
  const logLines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          logLines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    }),
  );

  beforeAll(async () => {
    t = await createTestDb();
    slack = await startFakeSlack();
    dir = await mkdtemp(path.join(tmpdir(), 'hub-routing-reload-'));
  });
  afterAll(async () => {
    await slack?.close();
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const routingFile = () => path.join(dir, 'routing.yaml');
  const config = () =>
    parseConfig({
      alerting: { rulesDir: dir },
      notifications: {
        slackToken: 'xoxb-reload-test',
        slackApiUrl: slack.url,
        routingFile: routingFile(),
        publicUrl: 'https://hub.example.com',
        tickIntervalMs: 3_600_000,
      },
    });

  async function started(clock: ManualAlertsClock, debounceMs: number) {
    const runtime = await startAlerts({ db: t.db, logger, config: config(), clock, debounceMs });
    const app = await buildApp({
      db: t.db,
      logger,
      ...(runtime.alerting ? { alerting: runtime.alerting } : {}),
      notifier: runtime.notifier,
      routing: runtime.routing,
    });
    return { runtime, app };
  }

  /** Publishes one firing alert, lets group_wait pass, and answers the channels Slack was posted to since. */
  async function channelsFor(
    runtime: AlertsRuntime,
    clock: ManualAlertsClock,
    alertname: string,
  ): Promise<unknown[]> {
    const before = slack.ok.length;
    const n = notice({ labels: { alertname, team: 'shop', severity: 'critical', service: 'checkout' } });
    await runtime.notifier.publish(
      'checkout',
      [{ ...n, firedAt: clock.now(), activeAt: clock.now() }],
      clock.now(),
    );
    await clock.advanceTo(clock.now() + 31_000, async () => undefined);
    await runtime.notifier.tick();
    return slack.ok.slice(before).map((c) => c.args['channel']);
  }

  it('refuses to start on an invalid routing file, leaving nothing running', async () => {
    await writeFile(routingFile(), INVALID);
    const clock = new ManualAlertsClock(Date.now());
    await expect(startAlerts({ db: t.db, logger, config: config(), clock })).rejects.toMatchObject({
      code: 'HUB_API_ALERT_ROUTING_INVALID',
      message: expect.stringContaining(`${routingFile()}:6:17: unknown receiver "nobody"`) as unknown,
    });
    expect(clock.pending()).toBe(0);
  });

  it('POST /api/alerts/reload: a new routing is used for new alerts; an invalid one is reported and the previous one kept', async () => {
    await writeFile(routingFile(), routingTo('#first'));
    const clock = new ManualAlertsClock(Date.now());
    // File events are not acted on here (a day of debounce): only the endpoint reloads.
    const { runtime, app } = await started(clock, 86_400_000);
    try {
      expect(await channelsFor(runtime, clock, 'A1')).toEqual(['#first']);

      await writeFile(routingFile(), routingTo('#second', 'shop-new'));
      const reloaded = await app.inject({ method: 'POST', url: '/api/alerts/reload' });
      expect(reloaded.statusCode).toBe(200);
      expect(reloaded.json()).toMatchObject({
        status: 'unchanged', // the rules
        rules: 0,
        routing: { status: 'changed', file: routingFile(), receivers: 1 },
      });
      expect(await channelsFor(runtime, clock, 'A2')).toEqual(['#second']);
      expect(logLines.map((l) => l['msg'])).toContain('alert routing reloaded');

      await writeFile(routingFile(), INVALID);
      const refused = await app.inject({ method: 'POST', url: '/api/alerts/reload' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json()).toMatchObject({
        code: 'HUB_API_ALERT_ROUTING_INVALID',
        error: expect.stringContaining(`${routingFile()}:6:17: unknown receiver "nobody"`) as unknown,
      });
      const rules = (await app.inject({ url: '/api/alerts/rules' })).json() as {
        loadErrors: Array<Record<string, unknown>>;
      };
      expect(rules.loadErrors).toEqual([
        {
          file: routingFile(),
          line: 6,
          column: 17,
          code: 'HUB_RULES_ROUTING',
          message: 'unknown receiver "nobody" (receivers: "shop")',
        },
      ]);
      expect(logLines).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'alert routing file has errors; the previous routing stays active',
          routingFile: routingFile(),
        }),
      );
      // The previous routing stays active.
      expect(await channelsFor(runtime, clock, 'A3')).toEqual(['#second']);

      // Fixed: the errors go away.
      await writeFile(routingFile(), routingTo('#third'));
      expect((await app.inject({ method: 'POST', url: '/api/alerts/reload' })).json()).toMatchObject({
        routing: { status: 'changed' },
      });
      const after = (await app.inject({ url: '/api/alerts/rules' })).json() as { loadErrors: unknown[] };
      expect(after.loadErrors).toEqual([]);
    } finally {
      await app.close();
      await runtime.stop();
    }
  });

  it('reloads the routing when the file changes, and keeps it on an invalid edit', async () => {
    await writeFile(routingFile(), routingTo('#watched-1'));
    const clock = new ManualAlertsClock(Date.now());
    const { runtime, app } = await started(clock, 20);
    try {
      await writeFile(routingFile(), routingTo('#watched-2'));
      await eventually(
        async () =>
          runtime.notifier.delivery().routing === runtime.routing.current() &&
          runtime.routing.current().receivers.get('shop')?.slack?.[0] === '#watched-2',
        10_000,
        'the watched routing reload',
      );
      expect(await channelsFor(runtime, clock, 'W1')).toEqual(['#watched-2']);

      await writeFile(routingFile(), INVALID);
      await eventually(
        async () => runtime.routing.errors().some((e) => e.line === 6),
        10_000,
        'the invalid routing reported',
      );
      const rules = (await app.inject({ url: '/api/alerts/rules' })).json() as {
        loadErrors: Array<{ file: string; line: number }>;
      };
      expect(rules.loadErrors).toEqual([expect.objectContaining({ file: routingFile(), line: 6 })]);
      expect(await channelsFor(runtime, clock, 'W2')).toEqual(['#watched-2']);
    } finally {
      await app.close();
      await runtime.stop();
    }
  });
});
