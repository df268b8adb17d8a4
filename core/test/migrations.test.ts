import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  migrate,
  sql,
  capabilitiesFor,
  createTableStatements,
  LOGS_TABLE,
  MIGRATIONS,
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
      'logs',
      'metric_samples',
      'metric_series',
      'schema_migrations',
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
