/**
 * Runs calls that share a key one after another in this process, so a
 * read-compare-write (an idempotent insert keyed by a client id) cannot
 * interleave with another for the same key. Calls with other keys run freely.
 * Each caller keeps its own queue (deploys and verifications have separate ids).
 */
export function keyedQueue(): <T>(key: string, fn: () => Promise<T>) => Promise<T> {
  const inFlight = new Map<string, Promise<unknown>>();
  return async function serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = inFlight.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    inFlight.set(key, tail);
    try {
      return await run;
    } finally {
      if (inFlight.get(key) === tail) inFlight.delete(key);
    }
  };
}
