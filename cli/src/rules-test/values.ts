/**
 * promtool's expanding notation for series values: `a+bxn` is a, a+b, …,
 * a+n·b (n+1 values), `a-bxn` counts down, `axn` repeats a n+1 times, `_` is
 * a step without a point and `_xn` n of them. Throws with the bad term.
 */
export function expandValues(text: string): Array<number | null> {
  const out: Array<number | null> = [];
  for (const term of text.trim().split(/\s+/)) {
    if (term === '') continue;
    let m = /^_(?:x(\d+))?$/.exec(term);
    if (m) {
      const n = m[1] === undefined ? 1 : Number(m[1]);
      for (let i = 0; i < n; i++) out.push(null);
      continue;
    }
    m = /^(-?[0-9.]+(?:e[+-]?\d+)?)(?:([+-])([0-9.]+(?:e[+-]?\d+)?))?x(\d+)$/.exec(term);
    if (m) {
      const start = Number(m[1]);
      const delta = m[2] === undefined ? 0 : (m[2] === '-' ? -1 : 1) * Number(m[3]);
      const n = Number(m[4]);
      if (!Number.isFinite(start) || !Number.isFinite(delta)) throw new Error(`bad value term "${term}"`);
      for (let i = 0; i <= n; i++) out.push(start + i * delta);
      continue;
    }
    const v = Number(term);
    if (!/^-?[0-9.]+(?:e[+-]?\d+)?$/.test(term) || !Number.isFinite(v))
      throw new Error(`bad value term "${term}"`);
    out.push(v);
  }
  return out;
}
