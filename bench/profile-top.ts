import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Prints the top functions by self time of a V8 .cpuprofile (as written by
 * `node --cpu-prof`, or by `BENCH_CPU_PROF=<dir> npm run bench:ingest` for the
 * collector child). Usage: `tsx bench/profile-top.ts <file-or-dir> [top]`.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The largest profile in a folder: the main thread's (tsx's loader thread writes a small one too). */
function mainProfile(target: string): string {
  if (!statSync(target).isDirectory()) return target;
  const files = readdirSync(target)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(target, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  if (!files[0]) throw new Error(`no .cpuprofile in ${target}`);
  return files[0];
}

export function topFunctions(file: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const node = byId.get(id);
    if (!node) return;
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules|main)\//, '')}:${f.lineNumber + 1}` : '';
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
    const area = f.url
      ? f.url.replace(/^.*\/(node_modules|main)\//, '').replace(/^(node:[a-z_]+).*$/, '$1')
      : f.functionName;
    byFile.set(area, (byFile.get(area) ?? 0) + dt);
    total += dt;
  });
  const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
  const files = [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, Math.ceil(top / 2));
  return [
    `${path.basename(file)}: ${(total / 1e6).toFixed(1)} s sampled`,
    'self time by function:',
    ...rows.map(([k, v]) => `${pct(v)}  ${k}`),
    'self time by file (native functions by name):',
    ...files.map(([k, v]) => `${pct(v)}  ${k}`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (!target) {
    console.error('usage: tsx bench/profile-top.ts <file.cpuprofile | dir> [top]');
    process.exit(2);
  }
  for (const line of topFunctions(mainProfile(target), Number(process.argv[3] ?? 25))) console.log(line);
}
