import { qs, request } from '../lib/api.ts';
import type {
  ActiveAlerts,
  AlertDeploys,
  DeliveriesResult,
  HistoryResult,
  RulesResult,
  SilenceInput,
  SilencesResult,
  SilenceView,
} from './types.ts';

/** The alerts API (docs/alerting.md#api, docs/notifications.md). */
export const alertsApi = {
  active: (signal?: AbortSignal) => request<ActiveAlerts>('GET', '/api/alerts', { signal }),
  rules: (signal?: AbortSignal) => request<RulesResult>('GET', '/api/alerts/rules', { signal }),
  history: (p: { rule?: string; from: string; to: string; limit?: number }, signal?: AbortSignal) =>
    request<HistoryResult>('GET', `/api/alerts/history?${qs({ ...p })}`, { signal }),
  deploys: (instanceId: string, signal?: AbortSignal) =>
    request<AlertDeploys>('GET', `/api/alerts/${encodeURIComponent(instanceId)}/deploys`, { signal }),
  silences: (state: 'current' | 'active' | 'pending' | 'expired' | 'all', signal?: AbortSignal) =>
    request<SilencesResult>('GET', `/api/alerts/silences?${qs({ state })}`, { signal }),
  createSilence: (input: SilenceInput) =>
    request<SilenceView>('POST', '/api/alerts/silences', { body: JSON.stringify(input) }),
  expireSilence: (id: string) =>
    request<SilenceView>('DELETE', `/api/alerts/silences/${encodeURIComponent(id)}`),
  deliveries: (p: { limit?: number; status?: 'sent' | 'retrying' | 'failed' }, signal?: AbortSignal) =>
    request<DeliveriesResult>('GET', `/api/alerts/deliveries?${qs({ ...p })}`, { signal }),
};
