import { connectClickHouse, enforceRetention, loadConfig, migrate } from '@obshub/core';

/**
 * `npm run migrate`: applies pending migrations to CLICKHOUSE_URL (and, with
 * --retention, drops partitions older than the configured retention now).
 */
const config = loadConfig();
if (!config.clickhouse.url) {
  console.error(
    'CLICKHOUSE_URL is not set: migrations need a ClickHouse server (npm start runs one locally).',
  );
  process.exit(2);
}
const db = await connectClickHouse({ ...config.clickhouse, createDatabase: true });
try {
  const result = await migrate(db, config.retention);
  console.log(
    `ClickHouse ${db.capabilities.version}, database ${db.database}: applied [${result.applied.join(', ')}], already applied [${result.alreadyApplied.join(', ')}]`,
  );
  if (process.argv.includes('--retention')) {
    const dropped = await enforceRetention(db, config.retention);
    console.log(
      `retention: dropped ${dropped.length} partitions${dropped.map((d) => `\n  ${d.table} ${d.partition}`).join('')}`,
    );
  }
} finally {
  await db.close();
}
