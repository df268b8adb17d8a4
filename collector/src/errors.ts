import createError from '@fastify/error';

/**
 * The collector's error catalogue: stable codes, HTTP statuses, and the gRPC
 * status each maps to (docs/errors.md lists them).
 */
export const CollectorErrors = {
  PAYLOAD_INVALID: createError('HUB_OTLP_PAYLOAD_INVALID', 'Invalid OTLP payload: %s', 400),
  PAYLOAD_TOO_LARGE: createError('HUB_OTLP_PAYLOAD_TOO_LARGE', 'Payload exceeds %s bytes%s', 413),
  UNSUPPORTED_MEDIA_TYPE: createError(
    'HUB_OTLP_UNSUPPORTED_MEDIA_TYPE',
    'Unsupported content type "%s": use application/x-protobuf or application/json',
    415,
  ),
  UNSUPPORTED_ENCODING: createError(
    'HUB_OTLP_UNSUPPORTED_ENCODING',
    'Unsupported Content-Encoding "%s": use gzip or identity',
    415,
  ),
  UNAUTHORIZED: createError('HUB_OTLP_UNAUTHORIZED', 'Missing or invalid bearer token', 401),
  OVERLOADED: createError('HUB_OTLP_OVERLOADED', 'Collector is overloaded (%s); retry later', 429),
  STORAGE_UNAVAILABLE: createError(
    'HUB_OTLP_STORAGE_UNAVAILABLE',
    'Storage is unavailable; retry later',
    503,
  ),
  SHUTTING_DOWN: createError('HUB_OTLP_SHUTTING_DOWN', 'Collector is shutting down; retry later', 503),
} as const;

export type CollectorError = InstanceType<(typeof CollectorErrors)[keyof typeof CollectorErrors]>;

/** gRPC status codes used by the receiver (grpc/status.proto). */
export const GRPC_STATUS = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export function grpcStatusFor(statusCode: number): number {
  if (statusCode === 401) return GRPC_STATUS.UNAUTHENTICATED;
  if (statusCode === 429 || statusCode === 503) return GRPC_STATUS.UNAVAILABLE;
  if (statusCode === 413) return GRPC_STATUS.INVALID_ARGUMENT;
  if (statusCode >= 400 && statusCode < 500) return GRPC_STATUS.INVALID_ARGUMENT;
  return GRPC_STATUS.INTERNAL;
}

/** Retryable per the OTLP spec: the client should back off and send again. */
export function isRetryableStatus(statusCode: number): boolean {
  return statusCode === 429 || statusCode === 502 || statusCode === 503 || statusCode === 504;
}
