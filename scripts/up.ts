import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  connectClickHouse,
  loadConfig,
  migrate,
  startLocalClickHouse,
  type LocalClickHouse,
} from '@obshub/core';
import { DEMO_CANARY, DEMO_VERIFY_WINDOW, reportDemoDeploy, startDemoVerification } from '../demo/deploy.ts';

/**
 * Brings the hub up: a local ClickHouse when CLICKHOUSE_URL is unset, the
 * migrations, the collector and the API as child processes, and with --demo
 * two instrumented demo services. Ctrl-C stops everything, ClickHouse last.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const config = loadConfig();
const children: Array<{ name: string; proc: ChildProcess }> = [];
let clickhouse: LocalClickHouse | undefined;
let stopping = false;

function say(message: string): void {
  console.log(`[hub] ${message}`);
}

function startChild(
  name: string,
  file: string,
  env: NodeJS.ProcessEnv,
  extraArgs: string[] = [],
): ChildProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, file), ...extraArgs], {
    cwd: root,
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  proc.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping the hub`);
      void stop(1);
    }
  });
  children.push({ name, proc });
  return proc;
}

async function waitForHealth(url: string, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become healthy at ${url}`);
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  say('stopping…');
  // Demo first, then API, then the collector (it flushes), then ClickHouse.
  for (const { name, proc } of [...children].reverse()) {
    if (proc.exitCode !== null || proc.signalCode !== null) continue;
    proc.kill('SIGTERM');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        say(`${name} did not stop in time; killing it`);
        proc.kill('SIGKILL');
      }, 40_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  await clickhouse?.stop();
  say('stopped.');
  process.exit(code);
}

/** The API serves the UI from web/dist: build it once when it is missing. */
function buildWebIfMissing(): void {
  if (existsSync(path.join(root, 'web', 'dist', 'index.html'))) return;
  say('building the web UI (web/dist is missing): npm run build -w @obshub/web');
  const res = spawnSync('npm', ['run', 'build', '-w', '@obshub/web'], { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) throw new Error('building the web UI failed');
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  buildWebIfMissing();
  const env: NodeJS.ProcessEnv = { ...process.env };
  let url = config.clickhouse.url;
  if (!url) {
    const dataDir = path.resolve(root, config.dataDir, 'clickhouse');
    say(`starting a local ClickHouse in ${dataDir}`);
    clickhouse = await startLocalClickHouse({ dataDir });
    url = clickhouse.url;
    env['CLICKHOUSE_URL'] = url;
  }
  const db = await connectClickHouse({ ...config.clickhouse, url, createDatabase: true });
  const result = await migrate(db, config.retention);
  say(
    `ClickHouse ${db.capabilities.version} at ${url}; migrations applied: ${result.applied.join(', ') || 'none new'}`,
  );
  await db.close();

  startChild('collector', 'collector/src/main.ts', env);
  startChild('api', 'api/src/main.ts', env);
  const host = '127.0.0.1';
  await waitForHealth(`http://${host}:${config.collector.httpPort}/health`, 'collector');
  await waitForHealth(`http://${host}:${config.api.port}/health`, 'API');
  say(
    `collector: OTLP/HTTP http://localhost:${config.collector.httpPort}, OTLP/gRPC localhost:${config.collector.grpcPort}`,
  );
  say(`UI and API: http://localhost:${config.api.port}  (API docs at /docs)`);

  if (args.has('--demo')) {
    const otlp = `http://${host}:${config.collector.httpPort}`;
    for (const [svc, version] of [
      ['checkout', '1.4.2'],
      ['payments', '2.0.1'],
    ] as const) {
      startChild(`demo ${svc}`, 'demo/service.ts', env, [svc, version, 'production', otlp]);
    }
    say('demo services checkout and payments are sending logs and metrics; data appears within seconds');
    const apiUrl = `http://${host}:${config.api.port}`;
    const canaryAfterMs = 120_000;
    say(`in ${canaryAfterMs / 60_000} minutes the demo deploys a canary of checkout ${DEMO_CANARY.version}`);
    setTimeout(() => {
      if (stopping) return;
      reportDemoDeploy(apiUrl, process.env['HUB_TOKEN'])
        .then((id) => {
          startChild(`demo ${DEMO_CANARY.service} ${DEMO_CANARY.version}`, 'demo/service.ts', env, [
            DEMO_CANARY.service,
            DEMO_CANARY.version,
            DEMO_CANARY.environment,
            otlp,
            String(DEMO_CANARY.regression),
          ]);
          say(
            `deployed the canary checkout ${DEMO_CANARY.version}: ${apiUrl}/deploys/${encodeURIComponent(id)}`,
          );
          return startDemoVerification(apiUrl, process.env['HUB_TOKEN'], id).then(() =>
            say(
              `verifying the canary against 1.4.2 for ${DEMO_VERIFY_WINDOW}: the verdict appears on that deploy page`,
            ),
          );
        })
        .catch((err: unknown) => say(`the demo deploy was not recorded: ${(err as Error).message}`));
    }, canaryAfterMs).unref();
  }
  say('press Ctrl-C to stop');
}

main().catch((err: unknown) => {
  console.error(err);
  void stop(1);
});
