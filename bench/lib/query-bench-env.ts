import os from 'node:os';

/**
 * What the query benchmarks (bench:logs, bench:metrics-query) share to read
 * their settings and describe the machine: integer settings from the
 * environment, durations in seconds, the load average.
 */
export function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < min)
    throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/** Cores, CPU model, memory, Node and ClickHouse versions: the first line of a benchmark's report. */
export function machineLine(clickhouseVersion: string): string {
  const cpu = os.cpus();
  return `${cpu.length} cores (${cpu[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ClickHouse ${clickhouseVersion}`;
}
