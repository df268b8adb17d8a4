import { api, ApiError, onUnauthenticated } from './api.ts';
import type { Whoami } from './types.ts';

/**
 * Who is signed in. `state` is "checking" until GET /api/session answers, then
 * "signed-in" or "signed-out" (401). An API without the session endpoint
 * (404) has no access control: everyone is in.
 */
class Session {
  state = $state<'checking' | 'signed-in' | 'signed-out'>('checking');
  who = $state<Whoami | undefined>(undefined);
  error = $state<string | undefined>(undefined);

  constructor() {
    onUnauthenticated(() => {
      this.who = undefined;
      this.state = 'signed-out';
    });
  }

  async check(): Promise<void> {
    try {
      this.who = await api.session();
      this.state = 'signed-in';
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.state = 'signed-out';
      } else if (err instanceof ApiError && err.status === 404) {
        this.who = undefined;
        this.state = 'signed-in';
      } else {
        // The API is unreachable: show the app; its requests will say so.
        this.error = err instanceof Error ? err.message : String(err);
        this.state = 'signed-in';
      }
    }
  }

  async signIn(token: string): Promise<void> {
    this.who = await api.signIn(token);
    this.error = undefined;
    this.state = 'signed-in';
  }

  async signOut(): Promise<void> {
    await api.signOut();
    this.who = undefined;
    this.state = 'signed-out';
  }
}

export const session = new Session();
