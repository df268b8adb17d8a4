import http from 'node:http';
import https from 'node:https';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { CoreErrors } from '../errors.ts';
import type { ClickHouseConfig } from '../config/schema.ts';
import { capabilitiesFor, type Capabilities } from './capabilities.ts';
import type { SqlFragment } from '../sql/escape.ts';

export interface QueryOptions {
  /** ClickHouse settings for this query (max_execution_time, max_rows_to_read, ...). */
  settings?: Record<string, string | number>;
  abortSignal?: AbortSignal;
  queryId?: string;
}

export interface QueryStats {
  readRows: number;
  readBytes: number;
  elapsedMs: number;
}

/**
 * The hub's narrow interface to ClickHouse. Queries go through @clickhouse/client;
 * bulk inserts post pre-encoded RowBinary bytes over a keep-alive agent, so the
 * collector's encoded batches reach the server without another copy.
 */
export interface Db {
  readonly database: string;
  readonly capabilities: Capabilities;
  readonly cluster: string;
  query<T = Record<string, unknown>>(q: SqlFragment, options?: QueryOptions): Promise<T[]>;
  queryWithStats<T = Record<string, unknown>>(
    q: SqlFragment,
    options?: QueryOptions,
  ): Promise<{ rows: T[]; stats: QueryStats }>;
  command(q: SqlFragment, options?: QueryOptions): Promise<void>;
  /** INSERT INTO table (columns) FORMAT RowBinary with the given bytes. */
  /** RowBinary rows, as one buffer or as consecutive chunks sent without concatenating them. */
  insertRowBinary(table: string, columns: readonly string[], body: Buffer | readonly Buffer[]): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface ConnectOptions extends Pick<ClickHouseConfig, 'url' | 'database' | 'username' | 'password'> {
  requestTimeoutMs?: number;
  cluster?: string;
  /** Create the database when missing (start-up and tests). */
  createDatabase?: boolean;
}

function isConnectionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENOTFOUND' ||
    code === 'UND_ERR_SOCKET' ||
    /socket hang up|ECONNREFUSED|ECONNRESET|Timeout error/i.test(String((err as Error | undefined)?.message))
  );
}

/** Wraps a failure as HUB_CLICKHOUSE_UNAVAILABLE (retryable) or HUB_CLICKHOUSE_QUERY_FAILED. */
export function classifyClickHouseError(err: unknown): Error {
  if (err instanceof CoreErrors.CLICKHOUSE_UNAVAILABLE || err instanceof CoreErrors.CLICKHOUSE_QUERY_FAILED) {
    return err;
  }
  const message = (err as Error | undefined)?.message ?? String(err);
  const wrapped = isConnectionError(err)
    ? new CoreErrors.CLICKHOUSE_UNAVAILABLE(message)
    : new CoreErrors.CLICKHOUSE_QUERY_FAILED(message);
  (wrapped as Error & { cause?: unknown }).cause = err;
  return wrapped;
}

export function isRetryableDbError(err: unknown): boolean {
  return err instanceof CoreErrors.CLICKHOUSE_UNAVAILABLE || isConnectionError(err);
}

function postRaw(
  url: URL,
  agent: http.Agent,
  auth: string,
  body: Buffer | readonly Buffer[],
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const mod = url.protocol === 'https:' ? https : http;
  const chunks: readonly Buffer[] = Buffer.isBuffer(body) ? [body] : body;
  let length = 0;
  for (const c of chunks) length += c.length;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'Content-Length': length,
          Authorization: auth,
          'Content-Type': 'application/octet-stream',
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('Timeout error'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    // The chunks as they are (a batch's requests): no concatenated copy of the whole body.
    req.cork();
    for (const c of chunks) req.write(c);
    req.end();
  });
}

class ClickHouseDb implements Db {
  private readonly agent: http.Agent;
  private readonly auth: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly base: URL,
    readonly database: string,
    readonly capabilities: Capabilities,
    readonly cluster: string,
    username: string,
    password: string,
    private readonly timeoutMs: number,
  ) {
    this.agent = new (base.protocol === 'https:' ? https.Agent : http.Agent)({
      keepAlive: true,
      maxSockets: 16,
    });
    this.auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  async query<T>(q: SqlFragment, options: QueryOptions = {}): Promise<T[]> {
    return (await this.queryWithStats<T>(q, options)).rows;
  }

  async queryWithStats<T>(
    q: SqlFragment,
    options: QueryOptions = {},
  ): Promise<{ rows: T[]; stats: QueryStats }> {
    const started = performance.now();
    try {
      const result = await this.client.query({
        query: q.text,
        format: 'JSONEachRow',
        ...(options.settings ? { clickhouse_settings: options.settings } : {}),
        ...(options.abortSignal ? { abort_signal: options.abortSignal } : {}),
        ...(options.queryId ? { query_id: options.queryId } : {}),
      });
      const rows = await result.json<T>();
      const summary = result.response_headers['x-clickhouse-summary'];
      let readRows = 0;
      let readBytes = 0;
      if (typeof summary === 'string') {
        const parsed = JSON.parse(summary) as { read_rows?: string; read_bytes?: string };
        readRows = Number(parsed.read_rows ?? 0);
        readBytes = Number(parsed.read_bytes ?? 0);
      }
      return { rows, stats: { readRows, readBytes, elapsedMs: performance.now() - started } };
    } catch (err) {
      throw classifyClickHouseError(err);
    }
  }

  async command(q: SqlFragment, options: QueryOptions = {}): Promise<void> {
    try {
      await this.client.command({
        query: q.text,
        ...(options.settings ? { clickhouse_settings: options.settings } : {}),
      });
    } catch (err) {
      throw classifyClickHouseError(err);
    }
  }

  async insertRowBinary(
    table: string,
    columns: readonly string[],
    body: Buffer | readonly Buffer[],
  ): Promise<void> {
    const url = new URL(this.base.toString());
    url.searchParams.set('database', this.database);
    url.searchParams.set('query', `INSERT INTO ${table} (${columns.join(', ')}) FORMAT RowBinary`);
    let res: { status: number; text: string };
    try {
      res = await postRaw(url, this.agent, this.auth, body, this.timeoutMs);
    } catch (err) {
      throw classifyClickHouseError(err);
    }
    if (res.status !== 200) {
      // 5xx with "Too many parts" / memory limits are transient; anything else is a bug or bad data.
      const transient =
        res.status >= 500 && /Too many parts|MEMORY_LIMIT|Memory limit|TIMEOUT/i.test(res.text);
      const message = `INSERT INTO ${table} answered ${res.status}: ${res.text.slice(0, 500)}`;
      throw transient
        ? new CoreErrors.CLICKHOUSE_UNAVAILABLE(message)
        : new CoreErrors.CLICKHOUSE_QUERY_FAILED(message);
    }
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.client.ping();
      return r.success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.client.close();
  }
}

function makeClient(opts: ConnectOptions, database: string): ClickHouseClient {
  return createClient({
    url: opts.url,
    username: opts.username,
    password: opts.password,
    database,
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    compression: { request: false, response: false },
    // Failures are classified and logged by the hub itself (cancelled queries are not errors).
    log: { level: ClickHouseLogLevel.OFF },
  });
}

/** Connects, probes the version once and returns the Db with its capabilities. */
export async function connectClickHouse(opts: ConnectOptions): Promise<Db> {
  const bootstrap = makeClient(opts, 'default');
  let version: string;
  try {
    const rs = await bootstrap.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
    version = ((await rs.json<{ v: string }>())[0] as { v: string }).v;
    if (opts.createDatabase) {
      const onCluster = opts.cluster ? ` ON CLUSTER \`${opts.cluster}\`` : '';
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(opts.database)) {
        throw new CoreErrors.SQL_INVALID_VALUE(`invalid database name ${opts.database}`);
      }
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS \`${opts.database}\`${onCluster}` });
    }
  } catch (err) {
    throw classifyClickHouseError(err);
  } finally {
    await bootstrap.close();
  }
  return new ClickHouseDb(
    makeClient(opts, opts.database),
    new URL(opts.url),
    opts.database,
    capabilitiesFor(version),
    opts.cluster ?? '',
    opts.username,
    opts.password,
    opts.requestTimeoutMs ?? 30_000,
  );
}
