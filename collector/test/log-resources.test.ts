import { describe, expect, it } from 'vitest';
import {
  LogResourceFingerprints,
  RowIds,
  SeriesFingerprints,
  decodeLogsProto,
  newBatchKey,
  type DecodeContext,
  type DecodeOutcome,
} from '../src/index.ts';
import { encodeLogsProto, logsRequest, simpleLog } from './helpers/otlp-model.ts';

/**
 * When a logs request carries its resource's log_resources row: the first
 * time, until a request with it was durable, and hourly after that.
 */

const HOUR_NS = 3600n * 1_000_000_000n;
const T0 = 1_800_000_000n * 1_000_000_000n;

function ctx(resources: LogResourceFingerprints, receivedNs: bigint): DecodeContext {
  return {
    limits: { maxAttributes: 256, maxDepth: 16 },
    ids: () => new RowIds(newBatchKey(), 0),
    receivedLo: Number(receivedNs & 0xffffffffn),
    receivedHi: Number(receivedNs >> 32n),
    fingerprints: new SeriesFingerprints(),
    logResources: resources,
  };
}

const checkout = encodeLogsProto(logsRequest('checkout', [simpleLog('a'), simpleLog('b')]));
const cart = encodeLogsProto(logsRequest('cart', [simpleLog('c')]));

const resourceRows = (o: DecodeOutcome): number => o.tables.log_resources?.rows ?? 0;

/** The fingerprint in the last 8 bytes of every log row (RowBinary UInt64). */
function rowFingerprint(o: DecodeOutcome): string {
  const bytes = o.tables.logs?.bytes as Buffer;
  return bytes.readBigUInt64LE(bytes.length - 8).toString();
}

describe('log resources', () => {
  it('writes a resource row with the first request and again until one was durable', () => {
    const fps = new LogResourceFingerprints();
    const first = decodeLogsProto(checkout, ctx(fps, T0));
    expect(resourceRows(first)).toBe(1);
    // Not yet durable (the first request may still fail): the next one carries it too.
    const second = decodeLogsProto(checkout, ctx(fps, T0 + 1n));
    expect(resourceRows(second)).toBe(1);
    second.onDurable?.();
    expect(resourceRows(decodeLogsProto(checkout, ctx(fps, T0 + 2n)))).toBe(0);
    // Another resource is independent.
    expect(resourceRows(decodeLogsProto(cart, ctx(fps, T0 + 3n)))).toBe(1);
  });

  it('refreshes the row hourly, with the same fingerprint', () => {
    const fps = new LogResourceFingerprints();
    const first = decodeLogsProto(checkout, ctx(fps, T0));
    first.onDurable?.();
    const soon = decodeLogsProto(checkout, ctx(fps, T0 + HOUR_NS - 1_000_000_000n));
    expect(resourceRows(soon)).toBe(0);
    const later = decodeLogsProto(checkout, ctx(fps, T0 + HOUR_NS));
    expect(resourceRows(later)).toBe(1);
    expect(rowFingerprint(later)).toBe(rowFingerprint(first));
    expect(rowFingerprint(later)).not.toBe(rowFingerprint(decodeLogsProto(cart, ctx(fps, T0))));
  });

  it('writes no resource row for a resource none of whose records was stored, and keeps it due', () => {
    const fps = new LogResourceFingerprints();
    const rejected = encodeLogsProto(logsRequest('checkout', [simpleLog('x', { severityNumber: 99 })]));
    const outcome = decodeLogsProto(rejected, ctx(fps, T0));
    expect([outcome.accepted, outcome.rejected, resourceRows(outcome)]).toEqual([0, 1, 0]);
    expect(() => decodeLogsProto(checkout.subarray(0, checkout.length - 3), ctx(fps, T0))).toThrow();
    expect(resourceRows(decodeLogsProto(checkout, ctx(fps, T0)))).toBe(1);
  });

  it('writes the resource row once when several ResourceLogs repeat the resource', () => {
    const fps = new LogResourceFingerprints();
    const req = logsRequest('checkout', [simpleLog('a')]);
    const twice = encodeLogsProto({ resourceLogs: [...req.resourceLogs, ...req.resourceLogs] });
    const outcome = decodeLogsProto(twice, ctx(fps, T0));
    expect([outcome.accepted, resourceRows(outcome)]).toEqual([2, 1]);
  });

  it('gives resources different fingerprints even when a value holds the separators of a text key', () => {
    const fps = new LogResourceFingerprints();
    const withAttrs = (attrs: Array<[string, string]>) =>
      encodeLogsProto({
        resourceLogs: [
          {
            resource: {
              attributes: attrs.map(([key, value]) => ({ key, value: { kind: 'string', value } })),
            },
            scopeLogs: [{ scope: { name: 'test', version: '1' }, logRecords: [simpleLog('x')] }],
          },
        ],
      });
    const crafted = decodeLogsProto(withAttrs([['a', 'x\u0001b\u0000y']]), ctx(fps, T0));
    const plain = decodeLogsProto(
      withAttrs([
        ['a', 'x'],
        ['b', 'y'],
      ]),
      ctx(fps, T0),
    );
    expect(rowFingerprint(crafted)).not.toBe(rowFingerprint(plain));
    expect([resourceRows(crafted), resourceRows(plain)]).toEqual([1, 1]);
  });
});
