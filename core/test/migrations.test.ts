import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrate,
  sql,
  capabilitiesFor,
  createTableStatements,
  LOGS_TABLE,
  MIGRATIONS,
  METRIC_ROLLUP_COLUMNS,
  METRIC_ROLLUP_1H_TABLE,
  METRIC_ROLLUP_1M_TABLE,
  METRIC_ROLLUP_1H_VIEW,
  METRIC_ROLLUP_1M_VIEW,
  createMaterializedViewStatements,
} from '../src/index.ts';
import { createTestDb, type TestDb } from '../../test/helpers/db.ts';

describe('migrations', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('applies every migration once, records it, and is idempotent', async () => {
    const first = await migrate(t.db, { logsDays: 7, metricsDays: 7 });
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.version));
    const second = await migrate(t.db, { logsDays: 7, metricsDays: 7 });
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);
    const tables = await t.db.query<{ name: string }>(
      sql`SELECT name FROM system.tables WHERE database = ${t.database} ORDER BY name`,
    );
    expect(tables.map((r) => r.name)).toEqual([
      'alert_deliveries',
      'alert_history',
      'alert_notification_log',
      'alert_rule_status',
      'alert_silences',
      'alert_state',
      'deploy_verdict_thread_replies',
      'deploy_verdict_threads',
      'deploys',
      'log_resources',
      'logs',
      'metric_increase_1h',
      'metric_increase_1m',
      'metric_increase_watermark',
      'metric_rollup_1h',
      'metric_rollup_1h_mv',
      'metric_rollup_1m',
      'metric_rollup_1m_mv',
      'metric_rollup_coverage',
      'metric_samples',
      'metric_series',
      'schema_migrations',
      'service_versions',
      'verifications',
    ]);
    const recorded = await t.db.query<{ c: string }>(sql`SELECT count() AS c FROM schema_migrations`);
    expect(Number(recorded[0]?.c)).toBe(MIGRATIONS.length);
  });

  it('probes the server version into capabilities', () => {
    expect(t.db.capabilities.version).toMatch(/^\d+\.\d+/);
    if (t.db.capabilities.major === 18) {
      expect(t.db.capabilities.lowCardinality).toBe(false);
      expect(t.db.capabilities.ttl).toBe(false);
    }
  });
});

describe('migration 9: log resources', () => {
  let t: TestDb;
  beforeAll(async () => {
    t = await createTestDb({ migrate: false });
  });
  afterAll(async () => {
    await t.drop();
  });

  it('gives rows stored before it a fingerprint that finds their resource in log_resources', async () => {
    const before = MIGRATIONS.filter((m) => m.version < 9);
    await migrate(t.db, { logsDays: 7, metricsDays: 7 }, before);
    // Two records of one resource, one of another, written in the migration-1 layout.
    await t.db
      .command(sql`INSERT INTO logs (id, timestamp, service_name, environment, body, resource_keys, resource_values)
      VALUES (1, toDateTime('2026-11-20 10:00:00'), 'checkout', 'prod', 'a', ['service.name', 'k8s.pod.name'], ['checkout', 'pod-1']),
             (2, toDateTime('2026-11-21 10:00:00'), 'checkout', 'prod', 'b', ['service.name', 'k8s.pod.name'], ['checkout', 'pod-1']),
             (3, toDateTime('2026-11-21 11:00:00'), 'cart', 'prod', 'c', ['service.name', 'k8s.pod.name'], ['cart', 'pod-9'])`);
    const result = await migrate(t.db, { logsDays: 7, metricsDays: 7 });
    expect(result.applied).toEqual([9]);

    const joined = await t.db.query<{ body: string; pod: string; first: string; last: string }>(
      sql`SELECT body, pod, first, last FROM (SELECT body, resource_fingerprint AS fingerprint FROM logs)
          ANY LEFT JOIN (SELECT fingerprint, any(resource_values[indexOf(resource_keys, 'k8s.pod.name')]) AS pod,
                                toString(min(first_seen)) AS first, toString(max(last_seen)) AS last
                         FROM log_resources GROUP BY fingerprint)
          USING fingerprint ORDER BY body`,
    );
    expect(joined).toEqual([
      { body: 'a', pod: 'pod-1', first: '2026-11-20 10:00:00', last: '2026-11-21 10:00:00' },
      { body: 'b', pod: 'pod-1', first: '2026-11-20 10:00:00', last: '2026-11-21 10:00:00' },
      { body: 'c', pod: 'pod-9', first: '2026-11-21 11:00:00', last: '2026-11-21 11:00:00' },
    ]);
    // A row written since gives its own fingerprint and leaves the arrays empty.
    await t.db.command(
      sql`INSERT INTO logs (id, timestamp, service_name, resource_fingerprint) VALUES (4, now(), 'cart', 42)`,
    );
    const fresh = await t.db.query<{ fp: string; n: string }>(
      sql`SELECT toString(resource_fingerprint) AS fp, toString(length(resource_keys)) AS n FROM logs WHERE id = 4`,
    );
    expect(fresh).toEqual([{ fp: '42', n: '0' }]);
  });

  it('is skipped, not failed, when its column already exists (a concurrent or repeated run)', async () => {
    const again = await migrate(
      t.db,
      { logsDays: 7, metricsDays: 7 },
      MIGRATIONS.filter((m) => m.version === 9).map((m) => ({ ...m, version: 99 })),
    );
    expect(again.applied).toEqual([99]);
  });
});

describe('DDL for a current ClickHouse', () => {
  const ctx = {
    database: 'hub',
    capabilities: capabilitiesFor('24.8.4.13'),
    cluster: '',
    logsRetentionDays: 14,
    metricsRetentionDays: 30,
  };

  it('uses LowCardinality, codecs, TTL and skip indexes', () => {
    const [ddl] = createTableStatements(LOGS_TABLE, ctx);
    expect(ddl?.text).toContain('`service_name` LowCardinality(String)');
    expect(ddl?.text).toContain('`timestamp` DateTime CODEC(DoubleDelta, ZSTD(1))');
    expect(ddl?.text).toContain('TTL timestamp + INTERVAL 14 DAY');
    expect(ddl?.text).toContain('INDEX idx_body lower(body) TYPE tokenbf_v1');
    expect(ddl?.text).toContain('ENGINE = MergeTree()');
  });

  it('uses none of them on 18.16', () => {
    const [ddl] = createTableStatements(LOGS_TABLE, { ...ctx, capabilities: capabilitiesFor('18.16.1') });
    expect(ddl?.text).not.toMatch(/LowCardinality|CODEC|TTL|INDEX/);
    expect(ddl?.text).toContain('PARTITION BY toDate(timestamp)');
    expect(ddl?.text).toContain('ORDER BY (service_name, timestamp)');
  });

  it('switches to Replicated + Distributed tables for a cluster', () => {
    const statements = createTableStatements(LOGS_TABLE, { ...ctx, cluster: 'hub_cluster' });
    expect(statements).toHaveLength(2);
    expect(statements[0]?.text).toContain('`hub`.`logs_local` ON CLUSTER `hub_cluster`');
    expect(statements[0]?.text).toContain(
      "ReplicatedMergeTree('/clickhouse/tables/{shard}/hub/logs_local', '{replica}')",
    );
    expect(statements[1]?.text).toContain(
      'ENGINE = Distributed(`hub_cluster`, `hub`, `logs_local`, cityHash64(service_name))',
    );
  });
});

describe('rollup DDL', () => {
  const ctx = {
    database: 'hub',
    capabilities: capabilitiesFor('24.8.4.13'),
    cluster: '',
    logsRetentionDays: 14,
    metricsRetentionDays: 30,
  };

  it('renders AggregatingMergeTree rollups with aggregate-state columns on a current server', () => {
    const [ddl] = createTableStatements(METRIC_ROLLUP_1M_TABLE, ctx);
    expect(ddl?.text).toContain('`metric_name` LowCardinality(String)');
    expect(ddl?.text).toContain('`l_v` AggregateFunction(argMax, Float64, UInt64)');
    expect(ddl?.text).toContain('`b_last` AggregateFunction(argMaxIf, Array(Float64), UInt64, UInt8)');
    // No tuple states: 18.16 keeps them as generic values, several times slower to insert.
    expect(ddl?.text).not.toContain('Tuple(');
    expect(ddl?.text).toContain('`d_buckets` AggregateFunction(sumForEach, Array(UInt64))');
    expect(ddl?.text).toContain('ENGINE = AggregatingMergeTree()');
    expect(ddl?.text).toContain('PARTITION BY toDate(bucket)');
    expect(ddl?.text).toContain('ORDER BY (metric_name, fingerprint, bucket)');
    expect(ddl?.text).toContain('TTL bucket + INTERVAL 30 DAY');
    const [hour] = createTableStatements(METRIC_ROLLUP_1H_TABLE, ctx);
    expect(hour?.text).toContain('PARTITION BY toYYYYMM(bucket)');
  });

  it('puts the views on the samples table, every rollup column in the SELECT', () => {
    const [view] = createMaterializedViewStatements(METRIC_ROLLUP_1M_VIEW, ctx);
    expect(view?.text).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS `hub`\.`metric_rollup_1m_mv` TO `hub`\.`metric_rollup_1m`\nAS SELECT/,
    );
    expect(view?.text).toContain('FROM `hub`.`metric_samples`\nWHERE bitAnd(flags, 1) = 0');
    expect(view?.text).toContain('toStartOfMinute(timestamp) AS bucket');
    for (const column of METRIC_ROLLUP_COLUMNS.slice(3)) expect(view?.text).toContain(` AS ${column.name}`);
    const [hourView] = createMaterializedViewStatements(METRIC_ROLLUP_1H_VIEW, ctx);
    expect(hourView?.text).toContain('toStartOfHour(timestamp) AS bucket');
  });

  it('switches to Replicated + Distributed rollups with views on the local tables for a cluster', () => {
    const cluster = { ...ctx, cluster: 'hub_cluster' };
    const statements = createTableStatements(METRIC_ROLLUP_1H_TABLE, cluster);
    expect(statements).toHaveLength(2);
    expect(statements[0]?.text).toContain(
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/hub/metric_rollup_1h_local', '{replica}')",
    );
    expect(statements[1]?.text).toContain(
      'ENGINE = Distributed(`hub_cluster`, `hub`, `metric_rollup_1h_local`, fingerprint)',
    );
    const [view] = createMaterializedViewStatements(METRIC_ROLLUP_1H_VIEW, cluster);
    expect(view?.text).toContain(
      '`hub`.`metric_rollup_1h_mv` ON CLUSTER `hub_cluster` TO `hub`.`metric_rollup_1h_local`',
    );
    expect(view?.text).toContain('FROM `hub`.`metric_samples_local`');
  });

  it('uses plain String and no TTL on 18.16', () => {
    const [ddl] = createTableStatements(METRIC_ROLLUP_1M_TABLE, {
      ...ctx,
      capabilities: capabilitiesFor('18.16.1'),
    });
    expect(ddl?.text).not.toMatch(/LowCardinality|CODEC|TTL/);
    expect(ddl?.text).toContain('ENGINE = AggregatingMergeTree()');
  });
});
