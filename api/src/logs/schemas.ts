import { Type, type Static } from '@sinclair/typebox';

/**
 * Request and response schemas of the logs API. Fastify validates with them and
 * @fastify/swagger serves them as OpenAPI at /docs; web/ reads the same shapes.
 */
export const TimeRangeQuery = {
  q: Type.String({ default: '', maxLength: 4096, description: 'Search query (docs/query-language.md).' }),
  from: Type.String({
    default: 'now-15m',
    description: 'Start: ISO 8601, epoch milliseconds, or relative (now-15m, now-2h, now-7d).',
  }),
  to: Type.String({ default: 'now', description: 'End, same forms as from.' }),
};

export const SearchQuery = Type.Object({
  ...TimeRangeQuery,
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
});
export type SearchQuery = Static<typeof SearchQuery>;

export const Attributes = Type.Record(Type.String(), Type.String());

export const LogRecord = Type.Object({
  id: Type.String({ description: 'Opaque record id, for /api/logs/records/{id}.' }),
  timestamp: Type.String({ description: 'ISO 8601 with nanoseconds, UTC.' }),
  timeUnixNano: Type.String(),
  observedTimeUnixNano: Type.String(),
  severityNumber: Type.Integer(),
  severityText: Type.String(),
  service: Type.String(),
  environment: Type.String(),
  version: Type.String(),
  namespace: Type.String(),
  instance: Type.String(),
  host: Type.String(),
  body: Type.String(),
  traceId: Type.String(),
  spanId: Type.String(),
  eventName: Type.String(),
  scope: Type.String(),
  scopeVersion: Type.String(),
  flags: Type.Integer(),
  attributes: Attributes,
  resource: Attributes,
});
export type LogRecord = Static<typeof LogRecord>;

export const QueryStats = Type.Object({
  readRows: Type.Number(),
  readBytes: Type.Number(),
  elapsedMs: Type.Number(),
});

export const SearchResult = Type.Object({
  records: Type.Array(LogRecord),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ description: 'The resolved range, ISO 8601.' }),
  to: Type.String(),
  stats: QueryStats,
});

export const HistogramQuery = Type.Object({
  ...TimeRangeQuery,
  buckets: Type.Integer({ minimum: 10, maximum: 500, default: 60 }),
});

export const SEVERITY_GROUPS = ['unknown', 'trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const HistogramResult = Type.Object({
  stepSeconds: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  buckets: Type.Array(
    Type.Object({
      time: Type.String({ description: 'Bucket start, ISO 8601.' }),
      counts: Type.Record(Type.String(), Type.Number(), { description: 'By severity group.' }),
      total: Type.Number(),
    }),
  ),
  stats: QueryStats,
});

export const FacetsQuery = Type.Object({
  ...TimeRangeQuery,
  field: Type.String({ minLength: 1, maxLength: 256, description: 'A field of the query language.' }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
});

export const FacetsResult = Type.Object({
  field: Type.String(),
  values: Type.Array(Type.Object({ value: Type.String(), count: Type.Number() })),
  total: Type.Number({ description: 'Records matching the query in the range.' }),
  stats: QueryStats,
});

export const ContextQuery = Type.Object({
  before: Type.Integer({ minimum: 0, maximum: 200, default: 20 }),
  after: Type.Integer({ minimum: 0, maximum: 200, default: 20 }),
});

export const ContextResult = Type.Object({
  record: LogRecord,
  before: Type.Array(LogRecord, { description: 'Older records, newest first.' }),
  after: Type.Array(LogRecord, { description: 'Newer records, oldest first.' }),
});

export const TailQuery = Type.Object({ q: TimeRangeQuery.q });

export const ServiceEntry = Type.Object({
  service: Type.String(),
  environments: Type.Array(Type.String()),
  versions: Type.Array(Type.String()),
  lastSeen: Type.String(),
  logRecords24h: Type.Number(),
  errorRatio24h: Type.Number({ description: 'Share of records at ERROR or above, 0-1.' }),
});

export const ServicesResult = Type.Object({ services: Type.Array(ServiceEntry) });

export const ApiError = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  position: Type.Optional(Type.Integer()),
  expected: Type.Optional(Type.Array(Type.String())),
});
