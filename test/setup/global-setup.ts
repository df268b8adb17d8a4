import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalClickHouse, type LocalClickHouse } from '../../core/src/index.ts';

/**
 * Starts one real ClickHouse server (Debian's 18.16 in CI) on free loopback
 * ports for the whole run; each test file works in its own database.
 * A test file that needs to stop ClickHouse starts its own server instead.
 */
let server: LocalClickHouse | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  dir = mkdtempSync(path.join(tmpdir(), 'hub-test-ch-'));
  server = await startLocalClickHouse({ dataDir: dir });
  project.provide('clickhouseUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    clickhouseUrl: string;
  }
}
