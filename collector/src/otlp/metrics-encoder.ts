import type { DecodeContext, DecodeOutcome } from './decoded.ts';
import { Rejections } from './decoded.ts';
import type { RowIds } from './ids.ts';
import {
  encodeSample,
  encodeSeries,
  resourceKey,
  validatePoint,
  type MetricInfo,
  type PointScratch,
} from './metric-row.ts';
import { nanosToSeconds } from './nanos.ts';
import type { ResourceInfo, ScopeInfo } from './resource.ts';
import { RowWriter } from './row-writer.ts';

/**
 * Collects the sample and series rows of one metrics request; shared by the
 * protobuf and JSON decoders.
 */
export class MetricsEncoder {
  private readonly samples: RowWriter;
  private readonly series = new RowWriter(4096);
  private readonly ids: RowIds;
  private readonly nowSeconds: number;
  private sampleRows = 0;
  private seriesRows = 0;
  private minTs = Infinity;
  private maxTs = -Infinity;
  readonly rejections = new Rejections();
  private resource: ResourceInfo | undefined;
  private resKey = '';

  constructor(
    private readonly ctx: DecodeContext,
    sizeHint: number,
  ) {
    this.samples = new RowWriter(4096 + sizeHint * 2);
    this.ids = ctx.ids('metric_samples');
    this.nowSeconds = nanosToSeconds(ctx.receivedLo, ctx.receivedHi);
  }

  setResource(resource: ResourceInfo): void {
    this.resource = resource;
    this.resKey = resourceKey(resource);
    this.ctx.sighted?.(resource);
  }

  reject(reason: string, n = 1): void {
    this.rejections.add(`data point rejected: ${reason}`, n);
  }

  point(scope: ScopeInfo, metric: MetricInfo, p: PointScratch): void {
    const resource = this.resource as ResourceInfo;
    const problem = validatePoint(metric, p);
    if (problem) {
      this.reject(problem);
      return;
    }
    const { series, write } = this.ctx.fingerprints.lookup(this.resKey, metric, p.attrs, this.nowSeconds);
    if (write) {
      encodeSeries(this.series, series, metric, resource, scope, p.attrs, this.nowSeconds);
      this.seriesRows++;
    }
    const ts = encodeSample(
      this.samples,
      this.ids,
      metric,
      series,
      p,
      this.ctx.receivedLo,
      this.ctx.receivedHi,
    );
    this.sampleRows++;
    if (ts < this.minTs) this.minTs = ts;
    if (ts > this.maxTs) this.maxTs = ts;
  }

  outcome(): DecodeOutcome {
    const tables: DecodeOutcome['tables'] = {};
    if (this.sampleRows > 0) {
      tables.metric_samples = {
        bytes: this.samples.take(),
        rows: this.sampleRows,
        minTs: this.minTs,
        maxTs: this.maxTs,
      };
    }
    if (this.seriesRows > 0) {
      tables.metric_series = {
        bytes: this.series.take(),
        rows: this.seriesRows,
        minTs: this.nowSeconds,
        maxTs: this.nowSeconds,
      };
    }
    return {
      tables,
      accepted: this.sampleRows,
      rejected: this.rejections.count,
      errorMessage: this.rejections.message(),
    };
  }
}
