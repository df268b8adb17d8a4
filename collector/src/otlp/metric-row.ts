import { createHash } from 'node:crypto';
import type { MetricType } from '@obshub/core';
import { TEMPORALITY } from '@obshub/core';
import { Attributes } from './attributes.ts';
import type { RowIds } from './ids.ts';
import { nanosToSeconds } from './nanos.ts';
import type { ResourceInfo, ScopeInfo } from './resource.ts';
import type { RowWriter } from './row-writer.ts';

/** One data point of any kind being decoded; reused (reset() between points). */
export class PointScratch {
  startLo = 0;
  startHi = 0;
  timeLo = 0;
  timeHi = 0;
  flags = 0;
  value = NaN;
  count = 0;
  sum = NaN;
  min = NaN;
  max = NaN;
  bounds: number[] = [];
  counts: number[] = [];
  scale = 0;
  zeroCount = 0;
  posOffset = 0;
  posCounts: number[] = [];
  negOffset = 0;
  negCounts: number[] = [];
  quantiles: number[] = [];
  quantileValues: number[] = [];
  readonly attrs = new Attributes();

  reset(): void {
    this.startLo = this.startHi = this.timeLo = this.timeHi = 0;
    this.flags = 0;
    this.value = NaN;
    this.count = 0;
    this.sum = this.min = this.max = NaN;
    this.bounds.length = 0;
    this.counts.length = 0;
    this.scale = this.zeroCount = this.posOffset = this.negOffset = 0;
    this.posCounts.length = 0;
    this.negCounts.length = 0;
    this.quantiles.length = 0;
    this.quantileValues.length = 0;
    this.attrs.reset();
  }
}

/** What the metric says about all its points. */
export interface MetricInfo {
  name: string;
  description: string;
  unit: string;
  type: MetricType;
  temporality: number;
  monotonic: boolean;
}

/** Why a point cannot be stored; the rest of the request still is. */
export function validatePoint(metric: MetricInfo, p: PointScratch): string | undefined {
  if (metric.name === '') return 'metric name is empty';
  if (metric.type === 'histogram' && p.counts.length !== 0 && p.counts.length !== p.bounds.length + 1) {
    return `histogram "${metric.name}" has ${p.counts.length} bucket counts for ${p.bounds.length} bounds (expected ${p.bounds.length + 1})`;
  }
  if (metric.type === 'summary' && p.quantiles.some((q) => !(q >= 0 && q <= 1))) {
    return `summary "${metric.name}" has a quantile outside [0, 1]`;
  }
  if (metric.temporality < 0 || metric.temporality > TEMPORALITY.cumulative) {
    return `metric "${metric.name}" has unknown aggregation temporality ${metric.temporality}`;
  }
  return undefined;
}

interface CachedSeries {
  lo: number;
  hi: number;
  writtenAtSeconds: number;
}

/**
 * Series fingerprints: 64 bits of SHA-1 over the metric's name and type, the
 * resource attributes and the point attributes (each sorted by key). Cached by
 * their unsorted text so a busy series costs one map lookup; the series row is
 * written when first seen and refreshed hourly (last_seen).
 */
export class SeriesFingerprints {
  private readonly cache = new Map<string, CachedSeries>();
  /**
   * An index over `cache`, which stays the source of truth: its entries grouped
   * by the key's resource-and-metric prefix and found by the short attribute
   * suffix, so a busy series is found without building and hashing its full key
   * (the resource text alone is often hundreds of characters). A group holds only
   * suffixes whose full key (prefix + suffix) is in `cache`, mapped to the same
   * object, and is emptied with it: lookups answer exactly as `cache` alone would.
   */
  private readonly groups = new Map<string, SeriesGroup>();
  private last: { resourceKey: string; name: string; type: string; group: SeriesGroup } | undefined;

  constructor(
    private readonly maxEntries = 200_000,
    private readonly refreshSeconds = 3600,
  ) {}

  lookup(
    resourceKey: string,
    metric: MetricInfo,
    attrs: Attributes,
    nowSeconds: number,
  ): { series: CachedSeries; write: boolean } {
    let suffix = '';
    for (let i = 0; i < attrs.count; i++) suffix += `\u0001${attrs.keys[i]}\u0000${attrs.values[i]}`;
    let group = this.group(resourceKey, metric);
    let series = group.series.get(suffix);
    if (series === undefined) {
      const key = group.prefix + suffix;
      series = this.cache.get(key);
      if (series === undefined) {
        if (this.cache.size >= this.maxEntries) {
          this.clear();
          group = this.group(resourceKey, metric);
        }
        const digest = createHash('sha1')
          .update(`${metric.name}\u0002${metric.type}\u0002${resourceKey}\u0002${attrs.canonical()}`)
          .digest();
        series = { lo: digest.readUInt32LE(0), hi: digest.readUInt32LE(4), writtenAtSeconds: nowSeconds };
        this.cache.set(key, series);
        group.series.set(suffix, series);
        return { series, write: true };
      }
      group.series.set(suffix, series);
    }
    if (nowSeconds - series.writtenAtSeconds < this.refreshSeconds) return { series, write: false };
    series.writtenAtSeconds = nowSeconds;
    return { series, write: true };
  }

  /** The group of a resource and metric; the previous one is remembered, as points of a metric come together. */
  private group(resourceKey: string, metric: MetricInfo): SeriesGroup {
    const last = this.last;
    if (last && last.resourceKey === resourceKey && last.name === metric.name && last.type === metric.type) {
      return last.group;
    }
    const prefix = `${resourceKey}\u0002${metric.name}\u0002${metric.type}`;
    let group = this.groups.get(prefix);
    if (!group) {
      group = { prefix, series: new Map() };
      this.groups.set(prefix, group);
    }
    this.last = { resourceKey, name: metric.name, type: metric.type, group };
    return group;
  }

  /** Forget a series so its row is written again (after a failed batch). */
  clear(): void {
    this.cache.clear();
    this.groups.clear();
    this.last = undefined;
  }
}

interface SeriesGroup {
  readonly prefix: string;
  readonly series: Map<string, CachedSeries>;
}

/** Encodes one sample row in METRIC_SAMPLE_COLUMNS order; returns its timestamp (s). */
export function encodeSample(
  w: RowWriter,
  ids: RowIds,
  metric: MetricInfo,
  fp: { lo: number; hi: number },
  p: PointScratch,
  receivedLo: number,
  receivedHi: number,
): number {
  let tLo = p.timeLo;
  let tHi = p.timeHi;
  if (tLo === 0 && tHi === 0) {
    tLo = receivedLo;
    tHi = receivedHi;
  }
  const seconds = nanosToSeconds(tLo, tHi);
  w.u64Parts(ids.nextLo(), ids.high);
  w.string(metric.name);
  w.u64Parts(fp.lo, fp.hi);
  w.u32(seconds > 4294967295 ? 4294967295 : seconds);
  w.u64Parts(tLo, tHi);
  w.u64Parts(p.startLo, p.startHi);
  w.u32(p.flags);
  w.f64(p.value);
  w.u64(p.count);
  w.f64(p.sum);
  w.f64(p.min);
  w.f64(p.max);
  w.f64Array(p.bounds);
  w.u64Array(p.counts);
  w.i32(p.scale);
  w.u64(p.zeroCount);
  w.i32(p.posOffset);
  w.u64Array(p.posCounts);
  w.i32(p.negOffset);
  w.u64Array(p.negCounts);
  w.f64Array(p.quantiles);
  w.f64Array(p.quantileValues);
  return seconds;
}

/** Encodes one series row in METRIC_SERIES_COLUMNS order. */
export function encodeSeries(
  w: RowWriter,
  fp: { lo: number; hi: number },
  metric: MetricInfo,
  resource: ResourceInfo,
  scope: ScopeInfo,
  attrs: Attributes,
  nowSeconds: number,
): void {
  w.u64Parts(fp.lo, fp.hi);
  w.string(metric.name);
  w.string(metric.type);
  w.string(metric.unit);
  w.string(metric.description);
  w.u8(metric.temporality);
  w.u8(metric.monotonic ? 1 : 0);
  w.string(resource.serviceName);
  w.string(resource.serviceVersion);
  w.string(resource.environment);
  w.string(scope.name);
  w.stringArray(attrs.keys, attrs.count);
  w.stringArray(attrs.values, attrs.count);
  w.stringArray(resource.attrs.keys, resource.attrs.count);
  w.stringArray(resource.attrs.values, resource.attrs.count);
  w.u32(nowSeconds);
  w.u32(nowSeconds);
}

/** The resource's identity for fingerprints (sorted attributes). */
export function resourceKey(resource: ResourceInfo): string {
  return resource.attrs.canonical();
}
