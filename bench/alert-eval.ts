import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connectClickHouse, ident, migrate, sql, startLocalClickHouse, type Db } from '../core/src/index.ts';
import { AlertEngine } from '../api/src/alerts/eval/index.ts';
import { loadRules } from '../api/src/alerts/rules/load.ts';
import { intEnv, loadAverage, machineLine, seconds } from './lib/query-bench-env.ts';

/**
 * Alert evaluation benchmark (npm run bench:alerts, docs/benchmarks.md):
 * 1,000 rules of mixed kinds (log counts and ratios, metric rates and gauges,
 * absence) in 50 groups over 20 services, one evaluation round = every group
 * evaluated at the same instant (as the scheduler does at a minute boundary).
 * Reports the round's wall time (p50/p95 over ROUNDS), the evaluator's queries
 * per round (a metric-engine call counts one), the SQL statements ClickHouse
 * ran and the CPU time its query threads used in the round (system.events:
 * Query, OSCPUVirtualTimeMicroseconds; state writes included), and a ratio
 * against a reference measured in the same run: one plain count of the logs
 * of the window. CONCURRENCY sets alerting.maxConcurrentQueries (default 4).
 *
 * Data: LOG_ROWS log records over the last hour across 20 services, and a
 * gauge and a counter per service and route (10 routes), one point every 10 s.
 * CLICKHOUSE_URL to use a running server; otherwise a local one is started.
 */
const ROUNDS = intEnv('ROUNDS', 5, 1);
/** alerting.maxConcurrentQueries: queries of a round in flight at once. */
const CONCURRENCY = intEnv('CONCURRENCY', 4, 1);
const LOG_ROWS = intEnv('LOG_ROWS', 2_000_000, 1000);
const SERVICES = 20;
const GROUPS = 50;
const RULES_PER_GROUP = 20;

function rulesYaml(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    const svc = `svc${g % SERVICES}`;
    const rules: string[] = [];
    for (let r = 0; r < RULES_PER_GROUP; r++) {
      const name = `R${g}_${r}`;
      const kind = r % 20;
      if (kind < 8) {
        rules.push(`      - alert: ${name}
        kind: log
        query: 'service:${svc} severity:>=error ${r % 2 === 0 ? 'timeout' : ''}'
        ${kind % 4 === 0 ? `ratio_of: 'service:${svc}'` : ''}
        window: 5m
        ${kind % 3 === 0 ? 'group_by: [version]' : ''}
        condition: { op: '>', threshold: ${kind % 4 === 0 ? 0.05 : 100} }`);
      } else if (kind < 16) {
        const counter = kind % 2 === 0;
        rules.push(`      - alert: ${name}
        kind: metric
        query: { metric: ${counter ? 'requests_total' : 'queue_depth'}, service: ${svc}, environment: production${counter ? '' : `, matchers: [{ key: route, op: '=', value: /r${kind % 10} }]`}${counter ? ', aggregation: rate' : ''} }
        window: 5m
        ${counter && kind % 4 === 0 ? 'group_by: [route]' : ''}
        reduce: ${counter ? 'avg' : 'max'}
        condition: { op: '>', threshold: ${counter ? 50 : 90} }`);
      } else {
        rules.push(`      - alert: ${name}
        kind: absence
        service: ${svc}
        environment: production
        ${kind % 2 === 0 ? 'metric: requests_total' : `query: 'severity:>=warn'`}
        for: 10m`);
      }
    }
    groups.push(`  - name: group${g}\n    interval: 1m\n    rules:\n${rules.join('\n')}`);
  }
  return `groups:\n${groups.join('\n')}\n`;
}

async function seed(db: Db, nowS: number): Promise<void> {
  const from = nowS - 3600;
  await db.command(
    sql`INSERT INTO logs (id, timestamp, time_unix_nano, severity_number, body, service_name, environment, service_version, host_name)
        SELECT number, toDateTime(${from} + intDiv(number * 3600, ${LOG_ROWS})),
          toUInt64(${from} + intDiv(number * 3600, ${LOG_ROWS})) * 1000000000 + number % 1000000000,
          if(number % 50 = 0, 17, 9), if(number % 100 = 0, 'upstream timeout', 'request served'),
          concat('svc', toString(number % ${SERVICES})), 'production', concat('1.', toString(number % 3)),
          concat('host', toString(number % 7))
        FROM system.numbers LIMIT ${LOG_ROWS}`,
    { settings: { max_execution_time: 600 } },
  );
  // Series: per service × 10 routes, a gauge and a counter.
  await db.command(
    sql`INSERT INTO metric_series (fingerprint, metric_name, metric_type, temporality, is_monotonic, service_name, environment, attr_keys, attr_values, first_seen, last_seen)
        SELECT number, if(number % 2 = 0, 'queue_depth', 'requests_total'), if(number % 2 = 0, 'gauge', 'sum'),
          if(number % 2 = 0, 0, 2), number % 2, concat('svc', toString(intDiv(number, 20) % ${SERVICES})), 'production',
          ['route'], [concat('/r', toString(intDiv(number, 2) % 10))], toDateTime(${from}), toDateTime(${nowS})
        FROM system.numbers LIMIT ${SERVICES * 20}`,
  );
  await db.command(
    sql`INSERT INTO metric_samples (id, metric_name, fingerprint, timestamp, time_unix_nano, start_time_unix_nano, value)
        SELECT number, if(fp % 2 = 0, 'queue_depth', 'requests_total'), fp, toDateTime(t), toUInt64(t) * 1000000000,
          toUInt64(${from - 3600}) * 1000000000, if(fp % 2 = 0, (t % 100), (t - ${from}) * 10)
        FROM (SELECT number, number % ${SERVICES * 20} AS fp, ${from} + intDiv(number, ${SERVICES * 20}) * 10 AS t
              FROM system.numbers LIMIT ${SERVICES * 20 * 360})`,
    { settings: { max_execution_time: 600 } },
  );
}

/** Server-wide counters: statements run, CPU time of query threads (µs). */
async function serverEvents(db: Db): Promise<{ statements: number; cpuUs: number }> {
  const rows = await db.query<{ event: string; value: string }>(
    sql`SELECT event, toString(value) AS value FROM system.events WHERE event IN ('Query', 'OSCPUVirtualTimeMicroseconds')`,
  );
  const get = (name: string) => Number(rows.find((r) => r.event === name)?.value ?? 0);
  return { statements: get('Query'), cpuUs: get('OSCPUVirtualTimeMicroseconds') };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
};

async function main(): Promise<void> {
  let dir: string | undefined;
  let url = process.env['CLICKHOUSE_URL'];
  const local = url
    ? undefined
    : await startLocalClickHouse({
        dataDir: (dir = await mkdtemp(path.join(tmpdir(), 'hub-bench-alerts-'))),
      });
  url = url ?? local!.url;
  const database = `bench_alerts_${process.pid}`;
  const db = await connectClickHouse({
    url,
    database,
    username: 'default',
    password: '',
    createDatabase: true,
  });
  try {
    await migrate(db, { logsDays: 14, metricsDays: 30 });
    const [v] = await db.query<{ v: string }>(sql`SELECT version() AS v`);
    console.log(machineLine(v?.v ?? '?'));
    const nowS = Math.floor(Date.now() / 60_000) * 60;
    const seeded = performance.now();
    await seed(db, nowS);
    console.log(
      `seeded ${LOG_ROWS} log records, ${SERVICES * 20 * 360} metric samples in ${seconds(performance.now() - seeded)}`,
    );

    const ruleDir = await mkdtemp(path.join(tmpdir(), 'hub-bench-rules-'));
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(ruleDir, 'rules.yaml'), rulesYaml());
    const loaded = await loadRules([ruleDir]);
    await rm(ruleDir, { recursive: true, force: true });
    if (!loaded.ruleSet)
      throw new Error(
        loaded.errors
          .slice(0, 3)
          .map((e) => e.message)
          .join('\n'),
      );
    const ruleSet = loaded.ruleSet;
    const kinds = ruleSet.rules.reduce<Record<string, number>>(
      (a, r) => ({ ...a, [r.kind]: (a[r.kind] ?? 0) + 1 }),
      {},
    );
    console.log(`${ruleSet.rules.length} rules in ${ruleSet.groups.length} groups: ${JSON.stringify(kinds)}`);

    let queries = 0;
    const engine = new AlertEngine({
      db,
      onQuery: () => queries++,
      queryTimeoutMs: 60_000,
      maxConcurrentQueries: CONCURRENCY,
    });
    await engine.setRules(ruleSet, null, nowS * 1000);
    const rounds: number[] = [];
    const refs: number[] = [];
    const perRound: number[] = [];
    const statements: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const at = (nowS - (ROUNDS - i) * 60) * 1000;
      queries = 0;
      const before = await serverEvents(db);
      const started = performance.now();
      await Promise.all(ruleSet.groups.map((g) => engine.evaluateGroup(g.name, at)));
      rounds.push(performance.now() - started);
      const after = await serverEvents(db);
      perRound.push(queries);
      statements.push(after.statements - before.statements - 1);
      cpu.push(after.cpuUs - before.cpuUs);
      const r0 = performance.now();
      await db.query(
        sql`SELECT count() FROM logs WHERE timestamp >= toDateTime(${Math.floor(at / 1000) - 300}) AND timestamp < toDateTime(${Math.floor(at / 1000)})`,
      );
      refs.push(performance.now() - r0);
    }
    const errors = ruleSet.rules.filter((r) => engine.status(r.id)?.outcome === 'error');
    const p50 = pct(rounds, 0.5);
    console.log(
      `round: p50 ${seconds(p50)}, p95 ${seconds(pct(rounds, 0.95))} (target < 10 s); ` +
        `${Math.round(pct(perRound, 0.5))} evaluator queries per round for ${ruleSet.rules.length} rules ` +
        `(${Math.round(pct(statements, 0.5))} SQL statements, ClickHouse CPU ${seconds(pct(cpu, 0.5) / 1000)}; concurrency ${CONCURRENCY}); ` +
        `reference (one count of a 5-minute window) p50 ${pct(refs, 0.5).toFixed(0)} ms, ratio ${(p50 / pct(refs, 0.5)).toFixed(0)}x; ` +
        `rules with an evaluation error: ${errors.length}${errors[0] ? ` (${engine.status(errors[0].id)?.error})` : ''}; load ${loadAverage()}`,
    );
  } finally {
    await db.command(sql`DROP DATABASE IF EXISTS ${ident(database)}`);
    await db.close();
    await local?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
