import { promisify } from 'node:util';
import { gunzip, inflate, constants } from 'node:zlib';
import { CollectorErrors } from '../errors.ts';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/**
 * Decompresses a request body with the same limit after decompression as before
 * it, so a small gzip bomb is refused with 413 without being inflated in full.
 */
export async function decodeContent(
  body: Buffer,
  encoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  if (enc !== 'gzip' && enc !== 'deflate') throw new CollectorErrors.UNSUPPORTED_ENCODING(enc);
  try {
    const opts = { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH };
    return enc === 'gzip' ? await gunzipAsync(body, opts) : await inflateAsync(body, opts);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
      throw new CollectorErrors.PAYLOAD_TOO_LARGE(maxBytes, ' after decompression');
    }
    throw new CollectorErrors.PAYLOAD_INVALID(`body is not valid ${enc}: ${e.message}`);
  }
}
