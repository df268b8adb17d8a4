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
  type AlertingConfig,
  type NotificationsConfig,
  type VerificationConfig,
  type MetricRollupsConfig,
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
  LOG_INSERT_COLUMNS,
  LOG_INSERT_COLUMN_SPECS,
  LOG_RESOURCE_COLUMNS,
  LOG_RESOURCE_FINGERPRINT_COLUMN,
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
  METRIC_INCREASE_1M_TABLE,
  METRIC_INCREASE_1H_TABLE,
  METRIC_INCREASE_WATERMARK_TABLE,
  METRIC_INCREASE_COLUMNS,
  INCREASE_TABLES,
  NARROWED_ROLLUP_VIEWS,
} from './schema/increases.ts';
export {
  NOTIFICATION_LOG_TABLE,
  SILENCES_TABLE,
  DELIVERIES_TABLE,
  NOTIFICATION_TABLES,
} from './schema/notifications.ts';
export { VERIFICATIONS_TABLE, VERIFICATION_COLUMNS } from './schema/verifications.ts';
export {
  VERDICT_THREADS_TABLE,
  VERDICT_THREAD_REPLIES_TABLE,
  VERDICT_THREAD_TABLES,
} from './schema/verdict-threads.ts';
export {
  ALERT_STATE_TABLE,
  ALERT_HISTORY_TABLE,
  ALERT_RULE_STATUS_TABLE,
  ALERT_STATE_COLUMNS,
  ALERT_HISTORY_COLUMNS,
  ALERT_RULE_STATUS_COLUMNS,
  ALERT_HISTORY_DAYS,
} from './schema/alerts.ts';
export {
  LOG_RESOURCES_TABLE,
  copyLogResourcesStatement,
  logResourceMigrationSteps,
} from './schema/log-resources.ts';
export {
  type GuardedStatement,
  type MigrationStep,
  type PerValueStatement,
} from './schema/migration-steps.ts';
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
