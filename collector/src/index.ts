export { buildCollector, type Collector, type BuildCollectorOptions } from './app.ts';
export { CollectorErrors, GRPC_STATUS, grpcStatusFor, isRetryableStatus } from './errors.ts';
export { Ingestor, type PayloadFormat } from './ingest.ts';
export {
  VersionSightings,
  DEFAULT_SIGHTINGS_OPTIONS,
  type VersionSightingsOptions,
} from './versions/sightings.ts';
export { IngestPipeline, type PipelineOptions, type PipelineStats } from './pipeline/pipeline.ts';
export { recoverWal, readWalFile, type RecoveredBatch } from './pipeline/wal.ts';
export { decodeLogsProto } from './otlp/logs-proto.ts';
export { LogTranscoder } from './otlp/log-transcoder.ts';
export { decodeLogsJson } from './otlp/logs-json.ts';
export { decodeMetricsProto } from './otlp/metrics-proto.ts';
export { decodeMetricsJson } from './otlp/metrics-json.ts';
export { SeriesFingerprints } from './otlp/metric-row.ts';
export { LogResourceFingerprints } from './otlp/log-resources.ts';
export { INSERT_COLUMNS } from './pipeline/insert-columns.ts';
export { RowIds, newBatchKey, batchIdRange, MAX_ROWS_PER_BATCH } from './otlp/ids.ts';
export type { DecodeContext, DecodeOutcome, EncodedRows, TableName } from './otlp/decoded.ts';
export { severityText, severityFromText } from './otlp/severity.ts';
export { nanosToSeconds, parseNanos } from './otlp/nanos.ts';
export { TRACES_NOT_STORED } from './otlp/traces.ts';
export { Redactor, type RedactorConfig, type RedactionRuleConfig } from './redact/redactor.ts';
export { BUILTIN_RULES, BUILTIN_NAMES, type BuiltinRule } from './redact/builtins.ts';
export { luhnValid } from './redact/payment-card.ts';
