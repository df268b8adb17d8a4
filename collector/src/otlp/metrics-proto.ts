import { AttributeLimitError, readKeyValue } from './attributes.ts';
import type { DecodeContext, DecodeOutcome } from './decoded.ts';
import {
  ExponentialBuckets,
  ExponentialHistogramDataPoint as EH,
  ExportRequest,
  HistogramDataPoint as HP,
  Metric,
  MetricData,
  NumberDataPoint as NP,
  ResourceItems,
  ScopeItems,
  SummaryDataPoint as SP,
  ValueAtQuantile,
  WIRE,
} from './fields.ts';
import { PointScratch, type MetricInfo } from './metric-row.ts';
import { MetricsEncoder } from './metrics-encoder.ts';
import {
  createReader,
  decodeGuard,
  fixed32Bits,
  nestedEnd,
  readFixed64Number,
  readString,
  type Reader,
} from './reader.ts';
import { readResource, readScope, type ScopeInfo } from './resource.ts';
import type { MetricType } from '@obshub/core';

const DATA_FIELDS: Record<number, MetricType> = {
  [Metric.GAUGE]: 'gauge',
  [Metric.SUM]: 'sum',
  [Metric.HISTOGRAM]: 'histogram',
  [Metric.EXPONENTIAL_HISTOGRAM]: 'exponential_histogram',
  [Metric.SUMMARY]: 'summary',
};

function readPacked(
  r: Reader,
  wt: number,
  end: number,
  out: number[],
  item: () => number,
  itemWire: number,
): void {
  if (wt === WIRE.LEN) {
    const pEnd = nestedEnd(r, end);
    while (r.pos < pEnd) out.push(item());
    if (r.pos !== pEnd) throw new Error('packed field overruns its length');
  } else if (wt === itemWire) {
    out.push(item());
  } else {
    r.skipType(wt);
  }
}

function readAttr(r: Reader, end: number, ctx: DecodeContext, p: PointScratch): void {
  const kvEnd = nestedEnd(r, end);
  readKeyValue(r, kvEnd, ctx.limits, p.attrs);
}

function readTime(r: Reader, p: PointScratch, start: boolean): void {
  if (start) {
    p.startLo = fixed32Bits(r);
    p.startHi = fixed32Bits(r);
  } else {
    p.timeLo = fixed32Bits(r);
    p.timeHi = fixed32Bits(r);
  }
}

function readNumberPoint(r: Reader, end: number, ctx: DecodeContext, p: PointScratch): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === NP.ATTRIBUTES && wt === WIRE.LEN) readAttr(r, end, ctx, p);
    else if (f === NP.START_TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, true);
    else if (f === NP.TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, false);
    else if (f === NP.AS_DOUBLE && wt === WIRE.I64) p.value = r.double();
    else if (f === NP.AS_INT && wt === WIRE.I64)
      p.value = (r.sfixed64() as unknown as { toNumber(): number }).toNumber();
    else if (f === NP.FLAGS && wt === WIRE.VARINT) p.flags = r.uint32();
    else r.skipType(wt);
  }
}

function readHistogramPoint(r: Reader, end: number, ctx: DecodeContext, p: PointScratch): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === HP.ATTRIBUTES && wt === WIRE.LEN) readAttr(r, end, ctx, p);
    else if (f === HP.START_TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, true);
    else if (f === HP.TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, false);
    else if (f === HP.COUNT && wt === WIRE.I64) p.count = readFixed64Number(r);
    else if (f === HP.SUM && wt === WIRE.I64) p.sum = r.double();
    else if (f === HP.BUCKET_COUNTS) readPacked(r, wt, end, p.counts, () => readFixed64Number(r), WIRE.I64);
    else if (f === HP.EXPLICIT_BOUNDS) readPacked(r, wt, end, p.bounds, () => r.double(), WIRE.I64);
    else if (f === HP.FLAGS && wt === WIRE.VARINT) p.flags = r.uint32();
    else if (f === HP.MIN && wt === WIRE.I64) p.min = r.double();
    else if (f === HP.MAX && wt === WIRE.I64) p.max = r.double();
    else r.skipType(wt);
  }
}

function readBuckets(r: Reader, end: number, counts: number[]): number {
  let offset = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === ExponentialBuckets.OFFSET && wt === WIRE.VARINT) offset = r.sint32();
    else if (f === ExponentialBuckets.BUCKET_COUNTS) {
      readPacked(
        r,
        wt,
        end,
        counts,
        () => (r.uint64() as unknown as { toNumber(): number }).toNumber(),
        WIRE.VARINT,
      );
    } else r.skipType(wt);
  }
  return offset;
}

function readExpHistogramPoint(r: Reader, end: number, ctx: DecodeContext, p: PointScratch): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === EH.ATTRIBUTES && wt === WIRE.LEN) readAttr(r, end, ctx, p);
    else if (f === EH.START_TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, true);
    else if (f === EH.TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, false);
    else if (f === EH.COUNT && wt === WIRE.I64) p.count = readFixed64Number(r);
    else if (f === EH.SUM && wt === WIRE.I64) p.sum = r.double();
    else if (f === EH.SCALE && wt === WIRE.VARINT) p.scale = r.sint32();
    else if (f === EH.ZERO_COUNT && wt === WIRE.I64) p.zeroCount = readFixed64Number(r);
    else if (f === EH.POSITIVE && wt === WIRE.LEN) {
      const bEnd = nestedEnd(r, end);
      p.posOffset = readBuckets(r, bEnd, p.posCounts);
    } else if (f === EH.NEGATIVE && wt === WIRE.LEN) {
      const bEnd = nestedEnd(r, end);
      p.negOffset = readBuckets(r, bEnd, p.negCounts);
    } else if (f === EH.FLAGS && wt === WIRE.VARINT) p.flags = r.uint32();
    else if (f === EH.MIN && wt === WIRE.I64) p.min = r.double();
    else if (f === EH.MAX && wt === WIRE.I64) p.max = r.double();
    else r.skipType(wt);
  }
}

function readSummaryPoint(r: Reader, end: number, ctx: DecodeContext, p: PointScratch): void {
  while (r.pos < end) {
    const tag = r.uint32();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === SP.ATTRIBUTES && wt === WIRE.LEN) readAttr(r, end, ctx, p);
    else if (f === SP.START_TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, true);
    else if (f === SP.TIME_UNIX_NANO && wt === WIRE.I64) readTime(r, p, false);
    else if (f === SP.COUNT && wt === WIRE.I64) p.count = readFixed64Number(r);
    else if (f === SP.SUM && wt === WIRE.I64) p.sum = r.double();
    else if (f === SP.QUANTILE_VALUES && wt === WIRE.LEN) {
      const qEnd = nestedEnd(r, end);
      let q = 0;
      let v = 0;
      while (r.pos < qEnd) {
        const t = r.uint32();
        if (t >>> 3 === ValueAtQuantile.QUANTILE && (t & 7) === WIRE.I64) q = r.double();
        else if (t >>> 3 === ValueAtQuantile.VALUE && (t & 7) === WIRE.I64) v = r.double();
        else r.skipType(t & 7);
      }
      p.quantiles.push(q);
      p.quantileValues.push(v);
    } else if (f === SP.FLAGS && wt === WIRE.VARINT) p.flags = r.uint32();
    else r.skipType(wt);
  }
}

const POINT_READERS: Record<
  MetricType,
  (r: Reader, end: number, ctx: DecodeContext, p: PointScratch) => void
> = {
  gauge: readNumberPoint,
  sum: readNumberPoint,
  histogram: readHistogramPoint,
  exponential_histogram: readExpHistogramPoint,
  summary: readSummaryPoint,
};

/**
 * Decodes an ExportMetricsServiceRequest from the wire format into sample and
 * series rows. Every point kind is supported; the no-recorded-value flag is kept
 * so queries can skip those points.
 */
export function decodeMetricsProto(buf: Buffer, ctx: DecodeContext): DecodeOutcome {
  return decodeGuard('ExportMetricsServiceRequest', () => {
    const r = createReader(buf);
    const enc = new MetricsEncoder(ctx, buf.length);
    const p = new PointScratch();

    const readMetric = (end: number, scope: ScopeInfo): void => {
      const metric: MetricInfo = {
        name: '',
        description: '',
        unit: '',
        type: 'gauge',
        temporality: 0,
        monotonic: false,
      };
      let dataStart = -1;
      let dataEnd = -1;
      while (r.pos < end) {
        const tag = r.uint32();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (f === Metric.NAME && wt === WIRE.LEN) metric.name = readString(r, 'metric name');
        else if (f === Metric.DESCRIPTION && wt === WIRE.LEN)
          metric.description = readString(r, 'description');
        else if (f === Metric.UNIT && wt === WIRE.LEN) metric.unit = readString(r, 'unit');
        else if (DATA_FIELDS[f] !== undefined && wt === WIRE.LEN) {
          metric.type = DATA_FIELDS[f];
          dataEnd = nestedEnd(r, end);
          dataStart = r.pos;
          r.pos = dataEnd;
        } else r.skipType(wt);
      }
      if (dataStart < 0) return; // a metric with no data: nothing to store
      // First pass over the data message: temporality and monotonicity; second: points.
      r.pos = dataStart;
      const points: number[] = [];
      while (r.pos < dataEnd) {
        const tag = r.uint32();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (f === MetricData.DATA_POINTS && wt === WIRE.LEN) {
          const pEnd = nestedEnd(r, dataEnd);
          points.push(r.pos, pEnd);
          r.pos = pEnd;
        } else if (f === MetricData.AGGREGATION_TEMPORALITY && wt === WIRE.VARINT)
          metric.temporality = r.int32();
        else if (f === MetricData.IS_MONOTONIC && wt === WIRE.VARINT) metric.monotonic = r.bool();
        else r.skipType(wt);
      }
      const readPoint = POINT_READERS[metric.type];
      for (let i = 0; i < points.length; i += 2) {
        const pEnd = points[i + 1] as number;
        r.pos = points[i] as number;
        p.reset();
        try {
          readPoint(r, pEnd, ctx, p);
        } catch (err) {
          if (err instanceof AttributeLimitError) {
            enc.reject(err.message);
            r.pos = pEnd;
            continue;
          }
          throw err;
        }
        if (r.pos !== pEnd) throw new Error('data point overruns its length');
        enc.point(scope, metric, p);
      }
      r.pos = end;
    };

    const readScopeMetrics = (end: number): void => {
      let scope: ScopeInfo = { name: '', version: '' };
      const metrics: number[] = [];
      while (r.pos < end) {
        const tag = r.uint32();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (f === ScopeItems.SCOPE && wt === WIRE.LEN) {
          const sEnd = nestedEnd(r, end);
          scope = readScope(r, sEnd);
        } else if (f === ScopeItems.ITEMS && wt === WIRE.LEN) {
          const mEnd = nestedEnd(r, end);
          metrics.push(r.pos, mEnd);
          r.pos = mEnd;
        } else r.skipType(wt);
      }
      for (let i = 0; i < metrics.length; i += 2) {
        r.pos = metrics[i] as number;
        readMetric(metrics[i + 1] as number, scope);
      }
      r.pos = end;
    };

    const readResourceMetrics = (end: number): void => {
      const scopes: number[] = [];
      let resourceSet = false;
      while (r.pos < end) {
        const tag = r.uint32();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (f === ResourceItems.RESOURCE && wt === WIRE.LEN) {
          const resEnd = nestedEnd(r, end);
          enc.setResource(
            readResource(r, resEnd, { ...ctx.limits, maxAttributes: ctx.limits.maxAttributes * 4 }),
          );
          resourceSet = true;
        } else if (f === ResourceItems.SCOPE_ITEMS && wt === WIRE.LEN) {
          const sEnd = nestedEnd(r, end);
          scopes.push(r.pos, sEnd);
          r.pos = sEnd;
        } else r.skipType(wt);
      }
      if (!resourceSet) enc.setResource(readResource(createReader(Buffer.alloc(0)), 0, ctx.limits));
      for (let i = 0; i < scopes.length; i += 2) {
        r.pos = scopes[i] as number;
        readScopeMetrics(scopes[i + 1] as number);
      }
      r.pos = end;
    };

    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag >>> 3 === ExportRequest.RESOURCE_ITEMS && (tag & 7) === WIRE.LEN) {
        const end = nestedEnd(r, r.len);
        readResourceMetrics(end);
      } else r.skipType(tag & 7);
    }
    return enc.outcome();
  });
}
