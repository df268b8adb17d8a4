import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, parseConfig, type CollectorConfig, type Db } from '../../core/src/index.ts';
import { buildCollector, type Collector } from '../../collector/src/index.ts';

export interface TestCollector {
  collector: Collector;
  httpUrl: string;
  grpcAddress: string;
  httpPort: number;
  grpcPort: number;
  walDir: string;
  stop(): Promise<void>;
}

/** A real collector on free loopback ports, writing to the given database. */
export async function startTestCollector(
  db: Db,
  overrides: Partial<CollectorConfig> = {},
  options: { walDir?: string; keepWal?: boolean } = {},
): Promise<TestCollector> {
  const walDir = options.walDir ?? mkdtempSync(path.join(tmpdir(), 'hub-wal-'));
  const config = parseConfig({
    collector: { host: '127.0.0.1', httpPort: 0, grpcPort: 0, flushIntervalMs: 100, walDir, ...overrides },
  }).collector;
  const collector = buildCollector({ config, db, logger: createLogger('test-collector', 'silent') });
  const { httpPort, grpcPort } = await collector.start();
  return {
    collector,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    httpPort,
    grpcPort,
    walDir,
    async stop() {
      await collector.stop(10_000);
      if (!options.keepWal) rmSync(walDir, { recursive: true, force: true });
    },
  };
}

/** Polls until fn() returns true (inserts are asynchronous after the acknowledgement). */
export async function eventually(
  fn: () => Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
