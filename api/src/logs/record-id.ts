import { ApiErrors } from '../errors.ts';

/**
 * Record ids exposed by the API: base64url of "<time_unix_nano>.<id>.<service>",
 * so looking a record up by id reads only its service's rows at its time (the
 * sort key), never the whole table.
 */
export interface RecordKey {
  timeUnixNano: string;
  id: string;
  service: string;
}

export function encodeRecordId(key: RecordKey): string {
  return Buffer.from(`${key.timeUnixNano}.${key.id}.${key.service}`, 'utf8').toString('base64url');
}

export function decodeRecordId(text: string): RecordKey {
  const raw = /^[A-Za-z0-9_-]{1,1400}$/.test(text) ? Buffer.from(text, 'base64url').toString('utf8') : '';
  const m = /^(\d{1,20})\.(\d{1,20})\.(.*)$/s.exec(raw);
  if (!m) throw new ApiErrors.NOT_FOUND('log record');
  return { timeUnixNano: m[1] as string, id: m[2] as string, service: m[3] as string };
}
