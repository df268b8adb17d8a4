import createError from '@fastify/error';

/**
 * The core error catalogue. Every error has a stable code and an HTTP status;
 * docs/errors.md lists them all.
 */
export const CoreErrors = {
  CONFIG_INVALID: createError('HUB_CONFIG_INVALID', 'Invalid configuration: %s', 500),
  CONFIG_FILE_UNREADABLE: createError(
    'HUB_CONFIG_FILE_UNREADABLE',
    'Cannot read configuration file %s: %s',
    500,
  ),
  SQL_INVALID_VALUE: createError('HUB_SQL_INVALID_VALUE', 'Value cannot be used in SQL: %s', 400),
  CLICKHOUSE_UNAVAILABLE: createError('HUB_CLICKHOUSE_UNAVAILABLE', 'ClickHouse is unavailable: %s', 503),
  CLICKHOUSE_QUERY_FAILED: createError('HUB_CLICKHOUSE_QUERY_FAILED', 'ClickHouse query failed: %s', 500),
  CLICKHOUSE_NOT_INSTALLED: createError('HUB_CLICKHOUSE_NOT_INSTALLED', '%s', 500),
  MIGRATION_FAILED: createError('HUB_MIGRATION_FAILED', 'Migration %s failed: %s', 500),
} as const;

export type CoreErrorCode = keyof typeof CoreErrors;
