import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { CoreErrors } from '../errors.ts';

/**
 * Runs a private ClickHouse server on loopback with its own config, data folder
 * and ports: used by `npm start` when no CLICKHOUSE_URL is given, and by the test
 * setup. Works with Debian's clickhouse-server 18.16 and with current releases.
 */
export interface LocalClickHouse {
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly dataDir: string;
  readonly pid: number;
  /** SIGTERM, wait for exit (SIGKILL after timeoutMs). */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL, for fault tests. */
  kill(): Promise<void>;
}

export interface LocalClickHouseOptions {
  dataDir: string;
  httpPort?: number;
  tcpPort?: number;
  binary?: string;
  startTimeoutMs?: number;
  maxServerMemoryBytes?: number;
}

const CANDIDATE_BINARIES = [
  '/usr/sbin/clickhouse-server',
  '/usr/bin/clickhouse-server',
  '/usr/bin/clickhouse',
];

export function findClickHouseBinary(): string | undefined {
  return CANDIDATE_BINARIES.find((p) => existsSync(p));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>${dir}/log/server.log</log>
    <errorlog>${dir}/log/server.err.log</errorlog>
    <size>50M</size>
    <count>2</count>
  </logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>536870912</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>200</max_concurrent_queries>
  <keep_alive_timeout>10</keep_alive_timeout>
  <timezone>UTC</timezone>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <merge_tree>
    <parts_to_delay_insert>300</parts_to_delay_insert>
    <parts_to_throw_insert>600</parts_to_throw_insert>
  </merge_tree>
</yandex>
`;
}

function usersXml(maxMemory: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>${maxMemory}</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
`;
}

async function waitForPing(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new CoreErrors.CLICKHOUSE_UNAVAILABLE(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/ping`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CoreErrors.CLICKHOUSE_UNAVAILABLE(`local server did not answer /ping within ${timeoutMs} ms`);
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts the server (same ports again when given, so a restart keeps its URL). */
export async function startLocalClickHouse(options: LocalClickHouseOptions): Promise<LocalClickHouse> {
  const binary = options.binary ?? findClickHouseBinary();
  if (!binary) {
    throw new CoreErrors.CLICKHOUSE_NOT_INSTALLED(
      'clickhouse-server is not installed. Install it with `sudo apt-get install -y clickhouse-server` ' +
        '(Debian/Ubuntu), or set CLICKHOUSE_URL to an existing server.',
    );
  }
  const dir = path.resolve(options.dataDir);
  for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) {
    mkdirSync(path.join(dir, sub), { recursive: true });
  }
  const httpPort = options.httpPort ?? (await freePort());
  const tcpPort = options.tcpPort ?? (await freePort());
  writeFileSync(path.join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort));
  writeFileSync(path.join(dir, 'users.xml'), usersXml(options.maxServerMemoryBytes ?? 4_000_000_000));
  const args = binary.endsWith('/clickhouse')
    ? ['server', `--config-file=${dir}/config.xml`]
    : [`--config-file=${dir}/config.xml`];
  const child = spawn(binary, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForPing(url, child, options.startTimeoutMs ?? 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new CoreErrors.CLICKHOUSE_UNAVAILABLE(`${(err as Error).message}; stderr: ${stderr.trim()}`);
  }
  return {
    url,
    httpPort,
    tcpPort,
    dataDir: dir,
    pid: child.pid ?? -1,
    async stop(timeoutMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await waitForExit(child, timeoutMs);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await waitForExit(child, 5_000);
    },
  };
}
