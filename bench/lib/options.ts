/**
 * Benchmark settings: environment variables, overridable by `--name=value`
 * flags (`--seconds=10` is BENCH_SECONDS=10). Every default is here.
 */
export interface BenchOptions {
  /** Timed sending of the logs scenario. */
  seconds: number;
  warmupSeconds: number;
  concurrency: number;
  recordsPerRequest: number;
  distinctRequests: number;
  /** The raw reference's timed window when no logs run precedes it (else it inserts that run's rows). */
  rawSeconds: number;
  /**
   * Logs-then-raw pairs, run one after the other: the host's speed drifts by
   * tens of percent within minutes, so one pair proves little; the report
   * gives the median and the range, and each ratio pairs neighbouring runs.
   */
  rounds: number;
  /** Also measure JSONEachRow and TabSeparated raw inserts (context). */
  rawText: boolean;
  overloadSeconds: number;
  overloadConcurrency: number;
  overloadMaxPendingBytes: number;
  overloadRetryMs: number;
  /** ClickHouse throttle during the overload run: SIGSTOP for pauseMs, SIGCONT for runMs, repeat. */
  overloadPauseMs: number;
  overloadRunMs: number;
  metricsSeconds: number;
  metricsConcurrency: number;
  scenarios: Set<string>;
  /** Folder for a V8 CPU profile of each collector child (node --cpu-prof). */
  cpuProfDir: string;
  /** Writes the results as JSON here as well. */
  jsonOut: string;
  /** Extra node flags for the collector child (space-separated), e.g. --max-semi-space-size=32. */
  collectorNodeArgs: string[];
  /** The collector's entry point; another checkout's collector/src/main.ts compares two versions. */
  collectorMain: string;
}

const DEFAULTS: Record<string, string> = {
  BENCH_SECONDS: '20',
  BENCH_WARMUP_SECONDS: '3',
  BENCH_CONCURRENCY: '32',
  BENCH_RECORDS_PER_REQUEST: '1000',
  BENCH_DISTINCT_REQUESTS: '64',
  BENCH_RAW_SECONDS: '10',
  BENCH_ROUNDS: '3',
  BENCH_RAW_TEXT: 'true',
  BENCH_OVERLOAD_SECONDS: '20',
  BENCH_OVERLOAD_CONCURRENCY: '128',
  BENCH_OVERLOAD_MAX_PENDING_BYTES: String(64 * 1024 * 1024),
  BENCH_OVERLOAD_RETRY_MS: '100',
  BENCH_OVERLOAD_PAUSE_MS: '1500',
  BENCH_OVERLOAD_RUN_MS: '500',
  BENCH_METRICS_SECONDS: '15',
  BENCH_METRICS_CONCURRENCY: '16',
  BENCH_SCENARIOS: 'logs,raw,overload,metrics',
  BENCH_CPU_PROF: '',
  BENCH_JSON: '',
  BENCH_COLLECTOR_NODE_ARGS: '',
  BENCH_COLLECTOR_MAIN: 'collector/src/main.ts',
};

export function readOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const values: Record<string, string> = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const v = env[key];
    if (v !== undefined && v !== '') values[key] = v;
  }
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    const key = m ? `BENCH_${(m[1] as string).toUpperCase().replace(/-/g, '_')}` : '';
    if (!m || !(key in DEFAULTS))
      throw new Error(`unknown argument ${arg}; known: ${Object.keys(DEFAULTS).join(', ')}`);
    values[key] = m[2] as string;
  }
  const num = (key: string, min: number): number => {
    const n = Number(values[key]);
    if (!Number.isFinite(n) || n < min) throw new Error(`${key}=${values[key]} must be a number >= ${min}`);
    return n;
  };
  const bool = (key: string): boolean =>
    ['1', 'true', 'yes', 'on'].includes(String(values[key]).toLowerCase());
  return {
    seconds: num('BENCH_SECONDS', 1),
    warmupSeconds: num('BENCH_WARMUP_SECONDS', 0),
    concurrency: num('BENCH_CONCURRENCY', 1),
    recordsPerRequest: num('BENCH_RECORDS_PER_REQUEST', 1),
    distinctRequests: num('BENCH_DISTINCT_REQUESTS', 1),
    rawSeconds: num('BENCH_RAW_SECONDS', 1),
    rounds: Math.floor(num('BENCH_ROUNDS', 1)),
    rawText: bool('BENCH_RAW_TEXT'),
    overloadSeconds: num('BENCH_OVERLOAD_SECONDS', 1),
    overloadConcurrency: num('BENCH_OVERLOAD_CONCURRENCY', 1),
    overloadMaxPendingBytes: num('BENCH_OVERLOAD_MAX_PENDING_BYTES', 1024 * 1024),
    overloadRetryMs: num('BENCH_OVERLOAD_RETRY_MS', 0),
    overloadPauseMs: num('BENCH_OVERLOAD_PAUSE_MS', 0),
    overloadRunMs: num('BENCH_OVERLOAD_RUN_MS', 50),
    metricsSeconds: num('BENCH_METRICS_SECONDS', 1),
    metricsConcurrency: num('BENCH_METRICS_CONCURRENCY', 1),
    scenarios: new Set(
      String(values['BENCH_SCENARIOS'])
        .split(',')
        .map((s) => s.trim()),
    ),
    cpuProfDir: String(values['BENCH_CPU_PROF']),
    jsonOut: String(values['BENCH_JSON']),
    collectorNodeArgs: String(values['BENCH_COLLECTOR_NODE_ARGS']).split(/\s+/).filter(Boolean),
    collectorMain: String(values['BENCH_COLLECTOR_MAIN']),
  };
}
