import { ExportRequest, ResourceItems, ScopeItems, WIRE } from './fields.ts';
import { asArray, asObject, field } from './json-fields.ts';
import { createReader, decodeGuard, nestedEnd } from './reader.ts';

/**
 * Traces are accepted (so SDKs configured for all signals keep working) but not
 * stored yet: the receiver validates the framing, counts the spans and reports
 * them as rejected in partial_success with a message saying why.
 */
export const TRACES_NOT_STORED = 'traces are not stored by this hub yet; logs and metrics are';

export function countSpansProto(buf: Buffer): number {
  return decodeGuard('ExportTraceServiceRequest', () => {
    const r = createReader(buf);
    let spans = 0;
    const walk = (end: number, depth: number): void => {
      while (r.pos < end) {
        const tag = r.uint32();
        const f = tag >>> 3;
        const wt = tag & 7;
        if (depth === 0 && f === ExportRequest.RESOURCE_ITEMS && wt === WIRE.LEN) walk(nestedEnd(r, end), 1);
        else if (depth === 1 && f === ResourceItems.SCOPE_ITEMS && wt === WIRE.LEN)
          walk(nestedEnd(r, end), 2);
        else if (depth === 2 && f === ScopeItems.ITEMS && wt === WIRE.LEN) {
          r.pos = nestedEnd(r, end);
          spans++;
        } else r.skipType(wt);
      }
    };
    walk(r.len, 0);
    return spans;
  });
}

export function countSpansJson(body: unknown): number {
  let spans = 0;
  const root = asObject(body, 'request body');
  for (const rs of asArray(field(root, 'resourceSpans', 'resource_spans'), 'resourceSpans')) {
    for (const ss of asArray(
      field(asObject(rs, 'resourceSpans[]'), 'scopeSpans', 'scope_spans'),
      'scopeSpans',
    )) {
      spans += asArray(asObject(ss, 'scopeSpans[]')['spans'], 'spans').length;
    }
  }
  return spans;
}
