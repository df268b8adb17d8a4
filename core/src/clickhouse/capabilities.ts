/**
 * What the connected ClickHouse server can do, derived once from `SELECT version()`.
 * This is the only place that knows which feature arrived in which version; the
 * schema and query builders ask these flags, never the version string.
 */
export interface Capabilities {
  readonly version: string;
  readonly major: number;
  readonly minor: number;
  /** LowCardinality(String) without an experimental setting (GA since 19.x). */
  readonly lowCardinality: boolean;
  /** Column compression codecs (ZSTD, Delta, DoubleDelta, Gorilla). */
  readonly codecs: boolean;
  /** Table TTL; retention still also runs from the hub (partition drops) for uniformity. */
  readonly ttl: boolean;
  /** Data-skipping indexes (minmax, set, tokenbf_v1, bloom_filter). */
  readonly skipIndexes: boolean;
  /** Server-side query parameters `{name:Type}`. Not used: every value goes through the escaping module. */
  readonly queryParameters: boolean;
}

export function parseVersion(version: string): { major: number; minor: number } {
  const match = /^(\d+)\.(\d+)/.exec(version.trim());
  if (!match) throw new Error(`Unrecognised ClickHouse version "${version}"`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

function atLeast(v: { major: number; minor: number }, major: number, minor: number): boolean {
  return v.major > major || (v.major === major && v.minor >= minor);
}

export function capabilitiesFor(version: string): Capabilities {
  const v = parseVersion(version);
  return {
    version: version.trim(),
    major: v.major,
    minor: v.minor,
    // 18.12-18.16 ship LowCardinality behind allow_experimental_low_cardinality_type with
    // known merge bugs; the floor uses plain String instead.
    lowCardinality: atLeast(v, 19, 9),
    codecs: atLeast(v, 20, 1),
    ttl: atLeast(v, 20, 1),
    skipIndexes: atLeast(v, 20, 1),
    queryParameters: atLeast(v, 19, 11),
  };
}
