import { jsonAnyValue, jsonAttributes, type AnyValueResult } from './attributes.ts';
import type { DecodeContext, DecodeOutcome } from './decoded.ts';
import { Rejections, logsOutcome } from './decoded.ts';
import { asArray, asObject, field, optHexId, optInt, optNanos, optString } from './json-fields.ts';
import { LogResourceRows } from './log-resources.ts';
import { LogRecordScratch, encodeLogRow, validateLogRecord } from './log-row.ts';
import { nanosToSeconds } from './nanos.ts';
import { invalid } from './reader.ts';
import { encodeLogPrefix, jsonResource, jsonScope } from './resource.ts';
import { RowWriter } from './row-writer.ts';

/**
 * Decodes an OTLP/JSON ExportLogsServiceRequest (already parsed) into the same
 * RowBinary rows as the protobuf path. A record with a bad field is rejected
 * alone; a request whose structure is wrong fails whole.
 */
export function decodeLogsJson(body: unknown, ctx: DecodeContext): DecodeOutcome {
  const root = asObject(body, 'request body');
  const w = new RowWriter(64 * 1024);
  const ids = ctx.ids('logs');
  const rec = new LogRecordScratch();
  const rejections = new Rejections();
  const any: AnyValueResult = { text: '', num: undefined };
  const resources = new LogResourceRows(ctx.logResources, nanosToSeconds(ctx.receivedLo, ctx.receivedHi));
  let rows = 0;
  let minTs = Infinity;
  let maxTs = -Infinity;

  for (const rl of asArray(field(root, 'resourceLogs', 'resource_logs'), 'resourceLogs')) {
    const resourceLogs = asObject(rl, 'resourceLogs[]');
    const resource = jsonResource(
      resourceLogs['resource'],
      { ...ctx.limits, maxAttributes: ctx.limits.maxAttributes * 4 },
      ctx.redactor,
    );
    ctx.sighted?.(resource);
    const fingerprint = resources.ref(resource);
    const rowsBefore = rows;
    for (const sl of asArray(field(resourceLogs, 'scopeLogs', 'scope_logs'), 'scopeLogs')) {
      const scopeLogs = asObject(sl, 'scopeLogs[]');
      const prefix = encodeLogPrefix(resource, jsonScope(scopeLogs['scope']), fingerprint);
      for (const lr of asArray(field(scopeLogs, 'logRecords', 'log_records'), 'logRecords')) {
        rec.reset();
        try {
          const o = asObject(lr, 'logRecord');
          const t = optNanos(field(o, 'timeUnixNano', 'time_unix_nano'), 'timeUnixNano');
          rec.timeLo = t.lo;
          rec.timeHi = t.hi;
          const ob = optNanos(
            field(o, 'observedTimeUnixNano', 'observed_time_unix_nano'),
            'observedTimeUnixNano',
          );
          rec.obsLo = ob.lo;
          rec.obsHi = ob.hi;
          const sev = field(o, 'severityNumber', 'severity_number');
          rec.severityNumber =
            typeof sev === 'string' && !/^\d+$/.test(sev)
              ? severityEnumName(sev)
              : optInt(sev, 'severityNumber', 0, 255);
          rec.severityText = optString(field(o, 'severityText', 'severity_text'), 'severityText');
          if (o['body'] !== undefined && o['body'] !== null) {
            jsonAnyValue(o['body'], ctx.limits, any);
            rec.body = any.text;
          }
          jsonAttributes(o['attributes'], ctx.limits, rec.attrs);
          rec.flags = optInt(o['flags'], 'flags', 0, 4294967295);
          rec.traceId = optHexId(field(o, 'traceId', 'trace_id'), 16, 'traceId');
          rec.spanId = optHexId(field(o, 'spanId', 'span_id'), 8, 'spanId');
          rec.eventName = optString(field(o, 'eventName', 'event_name'), 'eventName');
        } catch (err) {
          rejections.add(
            `log record rejected: ${(err as Error).message.replace(/^Invalid OTLP payload: /, '')}`,
          );
          continue;
        }
        const problem = validateLogRecord(rec);
        if (problem) {
          rejections.add(`log record rejected: ${problem}`);
          continue;
        }
        const ts = encodeLogRow(w, rec, ids, prefix, ctx.receivedLo, ctx.receivedHi, ctx.redactor);
        rows++;
        if (ts < minTs) minTs = ts;
        if (ts > maxTs) maxTs = ts;
      }
    }
    if (rows > rowsBefore) resources.used(resource, fingerprint);
  }
  return logsOutcome(rows > 0 ? { bytes: w.take(), rows, minTs, maxTs } : undefined, resources, rejections);
}

/** Enums may arrive by name in JSON (SEVERITY_NUMBER_ERROR); the spec says integers, but be lenient. */
function severityEnumName(name: string): number {
  const m = /^SEVERITY_NUMBER_(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)([234])?$/.exec(name);
  if (!m) throw invalid(`severityNumber "${name}" is not a severity`);
  const base = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17, FATAL: 21 }[m[1] as 'TRACE'];
  return base + (m[2] ? Number(m[2]) - 1 : 0);
}
