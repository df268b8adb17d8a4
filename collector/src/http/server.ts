import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { TokenCheck } from '../auth.ts';
import { CollectorErrors, grpcStatusFor, isRetryableStatus } from '../errors.ts';
import type { Ingestor, PayloadFormat } from '../ingest.ts';
import {
  exportResponseJson,
  exportResponseProto,
  statusJson,
  statusProto,
  type Signal,
} from '../otlp/responses.ts';
import type { IngestPipeline } from '../pipeline/pipeline.ts';
import { decodeContent } from './body.ts';

export interface HttpReceiverOptions {
  ingestor: Ingestor;
  pipeline: IngestPipeline;
  auth: TokenCheck;
  maxBodyBytes: number;
}

const PROTO_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);

function formatOf(request: FastifyRequest): PayloadFormat {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' ? 'json' : 'proto';
}

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  retryAfter?: number,
) {
  if (retryAfter !== undefined) reply.header('Retry-After', String(retryAfter));
  if (status === 401) reply.header('WWW-Authenticate', 'Bearer');
  const code = grpcStatusFor(status);
  if (formatOf(request) === 'json') {
    return reply
      .code(status)
      .type('application/json')
      .send(statusJson(code, message, retryAfter));
  }
  return reply
    .code(status)
    .type('application/x-protobuf')
    .send(statusProto(code, message, retryAfter));
}

/**
 * OTLP/HTTP receiver: POST /v1/logs, /v1/metrics, /v1/traces with protobuf or
 * JSON bodies, optionally gzip/deflate. Answers in the request's content type.
 * No per-request logging: the hub's own logs are ingested here too.
 */
export function buildHttpReceiver(opts: HttpReceiverOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.maxBodyBytes, return503OnClosing: true });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => {
    done(null, body);
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/v1/')) return;
    if (!opts.auth.allows(request.headers.authorization)) {
      return sendError(request, reply, 401, new CollectorErrors.UNAUTHORIZED().message);
    }
    // Overloaded or ClickHouse down: answer 429/503 before reading the body, so
    // refusing costs almost nothing while clients back off.
    opts.ingestor.admit();
    return undefined;
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const retryAfter = isRetryableStatus(status) ? opts.ingestor.retryAfterSeconds : undefined;
    let message = err.message;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      message = new CollectorErrors.PAYLOAD_TOO_LARGE(opts.maxBodyBytes, '').message;
    if (status === 500) message = 'internal error';
    return sendError(request, reply, status, message, retryAfter);
  });

  const handler = (signal: Signal) => async (request: FastifyRequest, reply: FastifyReply) => {
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== 'application/json' && !PROTO_TYPES.has(type)) {
      throw new CollectorErrors.UNSUPPORTED_MEDIA_TYPE(type || '(none)');
    }
    // Refuse before decompressing when the answer would be "retry later" anyway.
    opts.ingestor.admit();
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const body = await decodeContent(raw, request.headers['content-encoding'], opts.maxBodyBytes);
    const partial = await opts.ingestor.ingest(signal, body, formatOf(request));
    if (formatOf(request) === 'json')
      return reply.type('application/json').send(exportResponseJson(signal, partial));
    return reply.type('application/x-protobuf').send(exportResponseProto(partial));
  };

  app.post('/v1/logs', handler('logs'));
  app.post('/v1/metrics', handler('metrics'));
  app.post('/v1/traces', handler('traces'));

  app.get('/health', (_request, reply) => {
    const stats = opts.pipeline.stats();
    return reply.send({ status: stats.storageAvailable ? 'ok' : 'degraded', ...stats });
  });

  return app;
}
