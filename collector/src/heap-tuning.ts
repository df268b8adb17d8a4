import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what the last full collection
 * kept, as a percentage: 300 is a limit of four times the live heap.
 *
 * Why: the collector's live heap is about 50 MB, most of it loaded code (the
 * OpenTelemetry SDK alone is 26 MB), and it barely grows, since request data
 * dies young. V8's default factor, derived from its allocation-rate estimate,
 * left about 24 MB of slack, which the request buffers (counted as external
 * memory) used up within a second, so the background threads marked the whole
 * heap 30 to 50 times in a 25-second benchmark run, about 1.5 to 2 µs of CPU per
 * log record. With this factor they mark it about 9 times (0.7 µs per record),
 * peak RSS unchanged (docs/benchmarks.md#collector-ingest).
 */
export const HEAP_GROWING_PERCENT = 300;

/** Applied once, at process start: the flag is read whenever V8 sets a new heap limit. */
export function tuneHeapGrowth(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
