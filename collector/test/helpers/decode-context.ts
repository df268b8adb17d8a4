import {
  LogResourceFingerprints,
  RowIds,
  SeriesFingerprints,
  type DecodeContext,
  type Redactor,
} from '../../src/index.ts';

/**
 * What a decoder is given for one request, as the collector builds it: row ids
 * from one batch, the request received at `received` (Unix ns), fresh series and
 * resource caches, the default limits.
 */
export function decodeContext(batchKey: number, received: bigint, redactor?: Redactor): DecodeContext {
  return {
    limits: { maxAttributes: 256, maxDepth: 16 },
    ids: () => new RowIds(batchKey, 0),
    receivedLo: Number(received & 0xffffffffn),
    receivedHi: Number(received >> 32n),
    fingerprints: new SeriesFingerprints(),
    logResources: new LogResourceFingerprints(),
    redactor,
  };
}
