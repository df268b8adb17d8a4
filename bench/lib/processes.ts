import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientMessage, ClientSetup, ParentMessage, RunCommand, RunResult } from './load-client.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLK_TCK = 100;

/** VmRSS and VmHWM of a process in bytes (0 when it is gone). */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return { rss: 0, hwm: 0 };
  }
}

/** User and system CPU seconds a process has used so far (its threads included). */
export function cpuOf(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * CPU seconds per thread kind (thread names with digits and trailing spaces
 * dropped): the main thread is the process's own name, V8's GC and compiler
 * helpers are "V8 DefaultWorke", libuv's pool (file system, zlib, crypto) "libuv-worker".
 */
export function cpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const kind = tid === String(pid) ? 'main' : name.replace(/[\d\s#-]+$/, '').trim() || 'other';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
      out.set(kind, (out.get(kind) ?? 0) + seconds);
    } catch {
      // thread ended
    }
  }
  return out;
}

export function cpuSecondsOf(pid: number): number {
  const { user, system } = cpuOf(pid);
  return user + system;
}

/** Samples a process's RSS every intervalMs and keeps the peak. */
export class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly pid: number,
    intervalMs = 50,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }
  sample(): number {
    const { rss } = memoryOf(this.pid);
    if (rss > this.peak) this.peak = rss;
    return rss;
  }
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }
}

export interface CollectorProcess {
  readonly pid: number;
  readonly url: string;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** `node --import tsx collector/src/main.ts` on loopback; resolves once /health answers. */
export async function startCollector(opts: {
  clickhouseUrl: string;
  database: string;
  httpPort: number;
  grpcPort: number;
  walDir: string;
  env?: Record<string, string>;
  cpuProfDir?: string;
  nodeArgs?: string[];
  /** Entry point, relative to the repository root or absolute. */
  main?: string;
}): Promise<CollectorProcess> {
  const args = ['--import', 'tsx', ...(opts.nodeArgs ?? [])];
  if (opts.cpuProfDir) args.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`);
  args.push(path.resolve(ROOT, opts.main ?? 'collector/src/main.ts'));
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      CLICKHOUSE_URL: opts.clickhouseUrl,
      CLICKHOUSE_DATABASE: opts.database,
      HUB_COLLECTOR_HOST: '127.0.0.1',
      HUB_COLLECTOR_HTTP_PORT: String(opts.httpPort),
      HUB_COLLECTOR_GRPC_PORT: String(opts.grpcPort),
      HUB_COLLECTOR_WAL_DIR: opts.walDir,
      HUB_SELF_TELEMETRY: 'false',
      HUB_LOG_LEVEL: 'warn',
      ...opts.env,
    },
  });
  const url = `http://127.0.0.1:${opts.httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode} during start-up`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('collector did not answer /health within 60 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    pid: child.pid ?? -1,
    url,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await waitExit(child, 30_000);
    },
  };
}

/** The load generator in its own process; see load-client.ts. */
export class LoadClient {
  private constructor(
    private readonly child: ChildProcess,
    readonly ready: { bodies: number; bytes: number; items: number },
  ) {}

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(setup: ClientSetup): Promise<LoadClient> {
    const child = fork(path.join(ROOT, 'bench/lib/load-client.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<{ bodies: number; bytes: number; items: number }>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`load client exited with ${code}`)));
      child.once('message', (m: ClientMessage) => {
        if (m.type === 'ready') resolve(m);
      });
      child.send({ type: 'setup', setup } satisfies ParentMessage);
    });
    child.removeAllListeners('exit');
    return new LoadClient(child, ready);
  }

  run(cmd: RunCommand): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`load client exited with ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: ClientMessage) => {
        this.child.off('exit', onExit);
        if (m.type === 'result') resolve(m.result);
      });
      this.child.send({ type: 'run', run: cmd } satisfies ParentMessage);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.send({ type: 'exit' } satisfies ParentMessage);
    await waitExit(this.child, 5000);
  }
}
