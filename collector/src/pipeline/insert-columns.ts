import {
  LOG_INSERT_COLUMNS,
  LOG_RESOURCE_COLUMNS,
  METRIC_SAMPLE_COLUMNS,
  METRIC_SERIES_COLUMNS,
  columnNames,
} from '@obshub/core';
import type { TableName } from '../otlp/decoded.ts';

/** The columns of each table's INSERT, in the order the decoders write RowBinary. */
export const INSERT_COLUMNS: Readonly<Record<TableName, readonly string[]>> = {
  logs: LOG_INSERT_COLUMNS,
  log_resources: columnNames(LOG_RESOURCE_COLUMNS),
  metric_samples: columnNames(METRIC_SAMPLE_COLUMNS),
  metric_series: columnNames(METRIC_SERIES_COLUMNS),
};
