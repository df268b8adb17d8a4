export { CoreErrors, type CoreErrorCode } from './errors.ts';
export {
  HubConfig,
  type ApiConfig,
  type ClickHouseConfig,
  type CollectorConfig,
  type RedactionConfig,
  type RedactionRuleConfig,
  type RetentionConfig,
  type SelfTelemetryConfig,
} from './config/schema.ts';
export { loadConfig, parseConfig, CONFIG_ENV_VARIABLES, type LoadConfigOptions } from './config/load.ts';
export {
  sql,
  ident,
  qualified,
  int,
  interval,
  join,
  trusted,
  quoteString,
  renderValue,
  isFragment,
  EMPTY,
  type SqlFragment,
  type SqlValue,
  type IntervalUnit,
} from './sql/escape.ts';
export { capabilitiesFor, parseVersion, type Capabilities } from './clickhouse/capabilities.ts';
export {
  connectClickHouse,
  classifyClickHouseError,
  isRetryableDbError,
  type Db,
  type QueryOptions,
  type QueryStats,
  type ConnectOptions,
} from './clickhouse/client.ts';
export {
  startLocalClickHouse,
  findClickHouseBinary,
  freePort,
  type LocalClickHouse,
  type LocalClickHouseOptions,
} from './clickhouse/local-server.ts';
export {
  LOG_COLUMNS,
  METRIC_SERIES_COLUMNS,
  METRIC_SAMPLE_COLUMNS,
  METRIC_ROLLUP_COLUMNS,
  DEPLOY_COLUMNS,
  SERVICE_VERSION_COLUMNS,
  METRIC_TYPES,
  TEMPORALITY,
  columnNames,
  type ColumnSpec,
  type ColumnType,
  type MetricType,
} from './schema/columns.ts';
export {
  LOGS_TABLE,
  METRIC_SERIES_TABLE,
  METRIC_SAMPLES_TABLE,
  DEPLOYS_TABLE,
  SERVICE_VERSIONS_TABLE,
  TABLES,
  createTableStatements,
  storageTableName,
  type SchemaContext,
  type TableSpec,
} from './schema/tables.ts';
export {
  METRIC_ROLLUP_1M_TABLE,
  METRIC_ROLLUP_1H_TABLE,
  METRIC_ROLLUP_COVERAGE_TABLE,
  METRIC_ROLLUP_1M_VIEW,
  METRIC_ROLLUP_1H_VIEW,
  ROLLUP_VIEWS,
  createMaterializedViewStatements,
  type MaterializedViewSpec,
} from './schema/rollups.ts';
export {
  MIGRATIONS,
  migrate,
  schemaContextFor,
  type Migration,
  type MigrationResult,
} from './schema/migrations.ts';
export {
  enforceRetention,
  scheduleRetention,
  partitionEnd,
  type RetentionPolicy,
  type DroppedPartition,
} from './schema/retention.ts';
export { createLogger, type Logger } from './logger.ts';
export { startSelfTelemetry, type SelfTelemetry, type SelfTelemetryOptions } from './telemetry/self.ts';
export {
  bootstrapProcess,
  connectWithRetry,
  onShutdown,
  isEntryPoint,
  type HubProcess,
} from './process/bootstrap.ts';
