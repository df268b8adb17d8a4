import protobuf from 'protobufjs/minimal.js';

/**
 * Encoders for what the receiver answers: Export*ServiceResponse with
 * partial_success, google.rpc.Status for errors, and google.rpc.RetryInfo for
 * backpressure (gRPC trailers). Written with protobufjs' Writer.
 */
export type Signal = 'logs' | 'metrics' | 'traces';

const REJECTED_JSON_KEY: Record<Signal, string> = {
  logs: 'rejectedLogRecords',
  metrics: 'rejectedDataPoints',
  traces: 'rejectedSpans',
};

export interface PartialSuccess {
  rejected: number;
  errorMessage: string;
}

/** ExportXServiceResponse { partial_success = 1 { rejected_x = 1 (int64); error_message = 2 } } */
export function exportResponseProto(partial: PartialSuccess | undefined): Buffer {
  const w = protobuf.Writer.create();
  if (partial && (partial.rejected > 0 || partial.errorMessage)) {
    w.uint32((1 << 3) | 2).fork();
    if (partial.rejected > 0) w.uint32((1 << 3) | 0).int64(partial.rejected);
    if (partial.errorMessage) w.uint32((2 << 3) | 2).string(partial.errorMessage);
    w.ldelim();
  }
  return Buffer.from(w.finish());
}

export function exportResponseJson(
  signal: Signal,
  partial: PartialSuccess | undefined,
): Record<string, unknown> {
  if (!partial || (partial.rejected === 0 && !partial.errorMessage)) return {};
  const body: Record<string, unknown> = {};
  // proto3 JSON maps int64 to a decimal string.
  if (partial.rejected > 0) body[REJECTED_JSON_KEY[signal]] = String(partial.rejected);
  if (partial.errorMessage) body['errorMessage'] = partial.errorMessage;
  return { partialSuccess: body };
}

/** google.rpc.RetryInfo { retry_delay = 1 (Duration { seconds = 1 }) } */
export function retryInfo(seconds: number): Buffer {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2)
    .fork()
    .uint32((1 << 3) | 0)
    .int64(seconds)
    .ldelim();
  return Buffer.from(w.finish());
}

/** google.rpc.Status { code = 1; message = 2; details = 3 (Any { type_url = 1; value = 2 }) } */
export function statusProto(code: number, message: string, retryAfterSeconds?: number): Buffer {
  const w = protobuf.Writer.create();
  if (code !== 0) w.uint32((1 << 3) | 0).int32(code);
  if (message) w.uint32((2 << 3) | 2).string(message);
  if (retryAfterSeconds !== undefined) {
    w.uint32((3 << 3) | 2)
      .fork()
      .uint32((1 << 3) | 2)
      .string('type.googleapis.com/google.rpc.RetryInfo')
      .uint32((2 << 3) | 2)
      .bytes(retryInfo(retryAfterSeconds))
      .ldelim();
  }
  return Buffer.from(w.finish());
}

export function statusJson(
  code: number,
  message: string,
  retryAfterSeconds?: number,
): Record<string, unknown> {
  const details =
    retryAfterSeconds === undefined
      ? []
      : [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${retryAfterSeconds}s` }];
  return { code, message, details };
}
