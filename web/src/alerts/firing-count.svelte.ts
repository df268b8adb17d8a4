import { alertsApi } from './alerts-api.ts';

/**
 * The nav's badge: how many alerts fire now. GET /api/alerts reads the
 * evaluator's memory (no query), so a poll every 30 s is cheap; the alerts
 * page refreshes it whenever it loads its own list.
 */
const POLL_MS = 30_000;

class FiringCount {
  count = $state<number | null>(null);
  private timer: ReturnType<typeof setInterval> | undefined;
  private users = 0;

  set(firing: number): void {
    this.count = firing;
  }

  async refresh(): Promise<void> {
    try {
      const { alerts } = await alertsApi.active();
      this.count = alerts.filter((a) => a.state === 'firing').length;
    } catch {
      // The badge is a hint: on an error it just disappears.
      this.count = null;
    }
  }

  /** Starts polling while something shows the badge; the returned function stops it. */
  watch(): () => void {
    this.users++;
    if (this.users === 1) {
      void this.refresh();
      this.timer = setInterval(() => void this.refresh(), POLL_MS);
    }
    return () => {
      this.users--;
      if (this.users === 0) clearInterval(this.timer);
    };
  }
}

export const firingCount = new FiringCount();
