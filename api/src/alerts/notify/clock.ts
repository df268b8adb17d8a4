import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Time as the notifier sees it: group timers read now(), retries sleep().
 * Tests inject a clock they move by hand, so timers and backoff are
 * deterministic.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
};
