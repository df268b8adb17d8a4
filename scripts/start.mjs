#!/usr/bin/env node
// `npm start [-- --demo]`: installs what is missing, then brings the whole hub up.
// Plain JavaScript on purpose: it runs before dependencies are installed.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function run(cmd, cmdArgs, what) {
  console.log(`[hub] ${what}: ${cmd} ${cmdArgs.join(' ')}`);
  const res = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (res.status !== 0) {
    console.error(`[hub] ${what} failed (exit ${res.status}).`);
    process.exit(1);
  }
}

// 1. Node dependencies, when missing or older than the lock file.
const marker = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs) {
  run('npm', ['ci', '--no-audit', '--no-fund'], 'installing dependencies');
}

// 2. A local ClickHouse, unless CLICKHOUSE_URL points at one.
const binaries = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server', '/usr/bin/clickhouse'];
if (!process.env.CLICKHOUSE_URL && !binaries.some((b) => existsSync(b))) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    run('apt-get', ['update', '-qq'], 'updating package lists');
    run('apt-get', ['install', '-y', '-qq', 'clickhouse-server'], 'installing ClickHouse');
  } else {
    console.error(
      '[hub] ClickHouse is not installed. Either install it (Debian/Ubuntu: `sudo apt-get install -y clickhouse-server`)\n' +
        '      or point the hub at a running server: CLICKHOUSE_URL=http://host:8123 npm start',
    );
    process.exit(1);
  }
}

// 3. The hub itself.
const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts', 'up.ts'), ...args], {
  cwd: root,
  stdio: 'inherit',
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 1));
