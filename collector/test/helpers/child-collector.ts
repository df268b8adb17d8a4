import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The collector as its own process, started the way operators start it
 * (`node --import tsx collector/src/main.ts`, configured by environment), so a
 * test can SIGKILL or SIGTERM the real process. Spawning node itself (not the
 * tsx CLI, which forks a second process) makes the signal reach the collector.
 */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ChildCollector {
  readonly proc: ChildProcess;
  readonly url: string;
  /** Exit code and signal, once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last few KB of stdout and stderr, for failure messages. */
  output(): string;
}

/** Every child started by this module, so afterAll can kill what is left even when a test failed. */
const live = new Set<ChildProcess>();

/** Environment without the caller's hub / ClickHouse settings, so only `env` configures the child. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(HUB_|CLICKHOUSE_|VITEST|NODE_OPTIONS$)/.test(k)) continue;
    out[k] = v;
  }
  return { ...out, ...env };
}

export async function startChildCollector(
  env: Record<string, string>,
  options: { healthTimeoutMs?: number } = {},
): Promise<ChildCollector> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'collector/src/main.ts'], {
    cwd: REPO_ROOT,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString('utf8')).slice(-8000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  const url = `http://127.0.0.1:${env['HUB_COLLECTOR_HTTP_PORT']}`;
  const child: ChildCollector = { proc, url, exited, output: () => out };
  const deadline = Date.now() + (options.healthTimeoutMs ?? 30_000);
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`collector exited during start-up (${proc.exitCode ?? proc.signalCode}):\n${out}`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`collector did not answer /health in time:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface CollectorHealth {
  status: string;
  pendingRows: number;
  sealedBatches: number;
  insertsInFlight: number;
}

export async function health(child: ChildCollector): Promise<CollectorHealth> {
  const res = await fetch(`${child.url}/health`, { signal: AbortSignal.timeout(2000) });
  return (await res.json()) as CollectorHealth;
}

/** SIGKILLs every child still running (afterAll, also after a failed test). */
export async function killAllChildCollectors(): Promise<void> {
  await Promise.all(
    [...live].map(
      (proc) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
          proc.once('exit', () => resolve());
          proc.kill('SIGKILL');
        }),
    ),
  );
}
