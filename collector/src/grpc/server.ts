import * as grpc from '@grpc/grpc-js';
import type { TokenCheck } from '../auth.ts';
import { CollectorErrors, GRPC_STATUS, grpcStatusFor } from '../errors.ts';
import type { Ingestor } from '../ingest.ts';
import { exportResponseProto, statusProto, type Signal } from '../otlp/responses.ts';

export interface GrpcReceiverOptions {
  ingestor: Ingestor;
  auth: TokenCheck;
  maxBodyBytes: number;
}

const SERVICES: ReadonlyArray<readonly [Signal, string]> = [
  ['logs', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
  ['metrics', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
  ['traces', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
];

const identity = (b: Buffer): Buffer => b;

function definition(path: string): grpc.ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      // Raw bytes in and out: the shared wire-format decoder does the parsing.
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  };
}

function toServiceError(err: unknown, retryAfterSeconds: number): Partial<grpc.ServiceError> {
  const e = err as { statusCode?: number; message?: string };
  const status = e.statusCode ?? 500;
  const code = grpcStatusFor(status);
  const message = status >= 500 && code === GRPC_STATUS.INTERNAL ? 'internal error' : (e.message ?? 'error');
  const metadata = new grpc.Metadata();
  // UNAVAILABLE carries google.rpc.RetryInfo so OTLP exporters know when to retry.
  const retry = code === GRPC_STATUS.UNAVAILABLE ? retryAfterSeconds : undefined;
  metadata.set('grpc-status-details-bin', statusProto(code, message, retry));
  return { code, details: message, metadata };
}

/** OTLP/gRPC receiver: LogsService, MetricsService and TraceService Export. */
export function buildGrpcReceiver(opts: GrpcReceiverOptions): grpc.Server {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxBodyBytes,
    'grpc.max_send_message_length': 4 * 1024 * 1024,
  });
  for (const [signal, path] of SERVICES) {
    server.addService(definition(path), {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const header = call.metadata.get('authorization')[0];
        if (!opts.auth.allows(typeof header === 'string' ? header : header?.toString())) {
          callback(toServiceError(new CollectorErrors.UNAUTHORIZED(), opts.ingestor.retryAfterSeconds));
          return;
        }
        opts.ingestor.ingest(signal, call.request, 'proto').then(
          (partial) => callback(null, exportResponseProto(partial)),
          (err: unknown) => callback(toServiceError(err, opts.ingestor.retryAfterSeconds)),
        );
      },
    });
  }
  return server;
}

export function bindGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
      if (err) reject(err);
      else resolve(bound);
    });
  });
}
