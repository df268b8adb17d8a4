/**
 * `npm run sim:verify`: runs the seeded post-deploy verification simulation
 * (api/test/verify/simulate.ts) and prints the table published in
 * docs/benchmarks.md. Options: --deploys=N (default 200), --seed=N.
 */
import { runAll, SIM_SEED } from '../api/test/verify/run-simulation.ts';

function option(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
}

const deploys = option('deploys', 200);
const seed = option('seed', SIM_SEED);
const started = performance.now();
const outcomes = runAll(deploys, seed);
const pct = (n: number): string => `${((100 * n) / deploys).toFixed(1)}%`;
const target: Record<string, string> = {
  'no regression': 'fail ≤ 2%',
  '2x error rate': 'fail ≥ 95%',
  '+50% p95 latency': 'fail ≥ 95%',
  'new error pattern': 'fail ≥ 95%',
  'low traffic': 'inconclusive',
};
console.log(
  `seed ${seed}, ${deploys} deploys per case, ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);
console.log(
  '| case | pass | fail | inconclusive | target | fails by signal (error rate / latency / request rate / new patterns) |',
);
console.log('|---|---|---|---|---|---|');
for (const o of outcomes) {
  const s = o.signalFails;
  console.log(
    `| ${o.kind} | ${pct(o.overall.pass)} | ${pct(o.overall.fail)} | ${pct(o.overall.inconclusive)} | ${target[o.kind]} | ${s.error_rate} / ${s.latency} / ${s.request_rate} / ${s.new_log_patterns} |`,
  );
}
console.log('\nexample verdicts (first deploy of each case):\n');
for (const o of outcomes) console.log(`${o.kind}:\n${o.example}\n`);
