/**
 * A seeded traffic simulator for post-deploy verification: a service's
 * requests, 5xx errors, latency histograms and error logs before and after a
 * deploy, with realistic noise, and the deploy cases the issue asks for. Used
 * by simulation.test.ts (asserting the targets) and by `npm run sim:verify`
 * (printing the table in docs/benchmarks.md). Every draw comes from @stdlib's
 * seeded generators, so a seed gives the same deploys on every machine.
 *
 * Noise model, per deploy:
 * - arrivals: Poisson per one-minute step around the base rate, with a slow
 *   wave (±10%, one-hour period, random phase);
 * - errors: binomial per step at a base rate drawn in 0.5–1%, times a
 *   per-step gamma factor (mean 1, CV ≈ 0.22: overdispersion), and bursts
 *   (2% of steps: errors ×4, latency ×1.3);
 * - latency: log-normal (median drawn in 50–150 ms, σ 0.6, per-step median
 *   jitter of 5%, slower under more load), counted into the OpenTelemetry
 *   default bucket bounds in seconds;
 * - error logs: each error gets one of five message templates with ids,
 *   numbers and quoted values that vary; two rare templates (about one an
 *   hour each) appear now and then regardless.
 */
import binomial from '@stdlib/random-base-binomial';
import gamma from '@stdlib/random-base-gamma';
import normal from '@stdlib/random-base-normal';
import poisson from '@stdlib/random-base-poisson';
import uniform from '@stdlib/random-base-uniform';
import lognormalCdf from '@stdlib/stats-base-dists-lognormal-cdf';
import type { LogBody, VerifyInput, WindowData } from '../../src/verify/index.ts';

export const OTEL_SECONDS_BOUNDS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export type SimCase =
  'no regression' | '2x error rate' | '+50% p95 latency' | 'new error pattern' | 'low traffic';

export const SIM_CASES: readonly SimCase[] = [
  'no regression',
  '2x error rate',
  '+50% p95 latency',
  'new error pattern',
  'low traffic',
];

export interface SimOptions {
  /** Requests per second around which traffic varies. */
  rate: number;
  baselineMinutes: number;
  candidateMinutes: number;
  errorFactor: number;
  latencyFactor: number;
  newPattern: boolean;
}

export function caseOptions(kind: SimCase): SimOptions {
  const base: SimOptions = {
    rate: 50,
    baselineMinutes: 30,
    candidateMinutes: 10,
    errorFactor: 1,
    latencyFactor: 1,
    newPattern: false,
  };
  switch (kind) {
    case '2x error rate':
      return { ...base, errorFactor: 2 };
    case '+50% p95 latency':
      return { ...base, latencyFactor: 1.5 };
    case 'new error pattern':
      return { ...base, newPattern: true };
    case 'low traffic':
      return { ...base, rate: 0.2 };
    default:
      return base;
  }
}

interface Rng {
  uniform: () => number;
  normal: (mu: number, sigma: number) => number;
  gamma: (shape: number, rate: number) => number;
  poisson: (lambda: number) => number;
  binomial: (n: number, p: number) => number;
}

function rng(seed: number): Rng {
  // Seeds must stay below 2^32: each generator gets its own stream.
  const s = (k: number): number => ((seed * 8 + k) % 4_294_967_295) + 1;
  const u = uniform.factory(0, 1, { seed: s(1) });
  const nrm = normal.factory({ seed: s(2) });
  const gam = gamma.factory({ seed: s(3) });
  const poi = poisson.factory({ seed: s(4) });
  const bin = binomial.factory({ seed: s(5) });
  return {
    uniform: () => u(),
    normal: (mu, sigma) => nrm(mu, sigma),
    gamma: (shape, rate) => gam(shape, rate),
    poisson: (lambda) => (lambda > 0 ? poi(lambda) : 0),
    binomial: (n, p) => (n > 0 && p > 0 ? bin(n, Math.min(1, p)) : 0),
  };
}

const TEMPLATES: ReadonlyArray<{ weight: number; make: (r: Rng) => string }> = [
  {
    weight: 0.4,
    make: (r) =>
      `upstream timeout after ${Math.round(200 + r.uniform() * 800)}ms calling inventory at 10.0.${Math.floor(r.uniform() * 8)}.${Math.floor(r.uniform() * 250)}:8080`,
  },
  { weight: 0.25, make: (r) => `user ${Math.floor(r.uniform() * 1e6)} not found in session cache` },
  {
    weight: 0.15,
    make: (r) => `db error: deadlock detected on relation "orders" (pid ${Math.floor(r.uniform() * 30000)})`,
  },
  { weight: 0.12, make: (r) => `request ${hex(r, 16)} failed: connection reset by peer` },
  {
    weight: 0.08,
    make: (r) =>
      `rate limit exceeded for api key 'key_${hex(r, 8)}' (${Math.floor(r.uniform() * 100)} req in 1s)`,
  },
];

const RARE: ReadonlyArray<(r: Rng) => string> = [
  (r) =>
    `certificate for host-${Math.floor(r.uniform() * 40)}.internal expires in ${Math.floor(r.uniform() * 30)} days`,
  (r) => `gc pause of ${Math.round(100 + r.uniform() * 900)}ms exceeded budget`,
];

const NEW_PATTERN = (r: Rng): string =>
  `payment provider rejected card ending ${Math.floor(1000 + r.uniform() * 9000)} for order ${uuid(r)}: "insufficient funds"`;

function hex(r: Rng, length: number): string {
  let s = '';
  while (s.length < length) s += Math.floor(r.uniform() * 16).toString(16);
  return s;
}

function uuid(r: Rng): string {
  return `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
}

function addLog(logs: Map<string, number>, body: string, count = 1): void {
  logs.set(body, (logs.get(body) ?? 0) + count);
}

/** Bucket counts of n log-normal latencies, drawn as a multinomial by sequential binomials. */
function latencyCounts(r: Rng, n: number, median: number, sigma: number): number[] {
  const mu = Math.log(median);
  const counts: number[] = [];
  let left = n;
  let massLeft = 1;
  let prevCdf = 0;
  for (const bound of OTEL_SECONDS_BOUNDS) {
    const cdf = lognormalCdf(bound, mu, sigma);
    const p = cdf - prevCdf;
    const k = massLeft > 0 ? r.binomial(left, p / massLeft) : 0;
    counts.push(k);
    left -= k;
    massLeft -= p;
    prevCdf = cdf;
  }
  counts.push(left);
  return counts;
}

interface DeployShape {
  baseErrorRate: number;
  medianLatency: number;
  phase: number;
}

function simulateWindow(
  r: Rng,
  shape: DeployShape,
  options: SimOptions,
  fromMinute: number,
  minutes: number,
  candidate: boolean,
): WindowData {
  const traffic: WindowData['traffic'] = [];
  const steps: WindowData['latency']['steps'] = [];
  const logs = new Map<string, number>();
  const errorFactor = candidate ? options.errorFactor : 1;
  const latencyFactor = candidate ? options.latencyFactor : 1;
  for (let i = 0; i < minutes; i++) {
    const minute = fromMinute + i;
    const start = 1_800_000_000 + minute * 60;
    const load = 1 + 0.1 * Math.sin((2 * Math.PI * minute) / 60 + shape.phase);
    const requests = r.poisson(options.rate * 60 * load);
    const burst = r.uniform() < 0.02;
    const errorRate = shape.baseErrorRate * errorFactor * r.gamma(20, 20) * (burst ? 4 : 1);
    const errors = r.binomial(requests, errorRate);
    if (requests > 0) traffic.push({ start, requests, errors });
    const median =
      shape.medianLatency *
      latencyFactor *
      Math.exp(r.normal(0, 0.05)) *
      (1 + 0.5 * (load - 1)) *
      (burst ? 1.3 : 1);
    if (requests > 0) steps.push({ start, counts: latencyCounts(r, requests, median, 0.6) });
    for (let e = 0; e < errors; e++) {
      let pick = r.uniform();
      const template =
        TEMPLATES.find((t) => (pick -= t.weight) < 0) ?? (TEMPLATES[0] as (typeof TEMPLATES)[number]);
      addLog(logs, template.make(r));
    }
    for (const rare of RARE) for (let k = r.poisson(1 / 60); k > 0; k--) addLog(logs, rare(r));
    if (candidate && options.newPattern) {
      // About 0.2% of requests at 50 req/s: ~6 a minute.
      for (let k = r.poisson(options.rate * 60 * 0.002); k > 0; k--) addLog(logs, NEW_PATTERN(r));
    }
  }
  const logBodies: LogBody[] = [...logs].map(([body, count]) => ({ body, count }));
  return {
    durationSeconds: minutes * 60,
    stepSeconds: 60,
    traffic,
    latency: { bounds: OTEL_SECONDS_BOUNDS, steps },
    logs: logBodies,
  };
}

/** One simulated deploy: the baseline (before) and candidate (after) windows. */
export function simulateDeploy(kind: SimCase, seed: number): VerifyInput {
  const options = caseOptions(kind);
  const r = rng(seed);
  const shape: DeployShape = {
    baseErrorRate: 0.005 + 0.005 * r.uniform(),
    medianLatency: 0.05 + 0.1 * r.uniform(),
    phase: 2 * Math.PI * r.uniform(),
  };
  const baseline = simulateWindow(r, shape, options, 0, options.baselineMinutes, false);
  const candidate = simulateWindow(
    r,
    shape,
    options,
    options.baselineMinutes,
    options.candidateMinutes,
    true,
  );
  return { comparison: 'before-after', baseline, candidate };
}
