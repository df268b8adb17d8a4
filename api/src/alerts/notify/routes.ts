import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sql, type Db } from '@obshub/core';
import { requireScope } from '../../access/plugin.ts';
import { scopeCondition } from '../../access/principal.ts';
import { clientGone } from '../../common/run-query.ts';
import { parseTime } from '../../common/time-range.ts';
import { ApiErrors } from '../../errors.ts';
import { ApiError } from '../../logs/schemas.ts';
import { parseDuration } from '../rules/durations.ts';
import {
  DeliveriesQuery,
  DeliveriesResult,
  SilenceInput,
  SilenceParams,
  SilencesQuery,
  SilencesResult,
  SilenceView,
} from './api-schemas.ts';
import { listDeliveries, listFailingTargets, type StoredDelivery } from './delivery-store.ts';
import { compileMatcher, matchesAll } from './matchers.ts';
import type { Notifier } from './notifier.ts';
import { maySeeSilence, silenceScopeProblem } from './silence-access.ts';
import { createSilence, expireSilence, readSilences, silenceState, type Silence } from './silence-store.ts';

/** A silence may last at most this long. */
export const MAX_SILENCE_MS = 90 * 86_400_000;

export interface NotifyRoutesOptions {
  readonly db: Db;
  /** The running notifier: silenced alerts are listed, and it re-reads silences after a change. */
  readonly notifier?: Notifier | undefined;
  /** The clock of silences (tests); default Date.now. */
  readonly now?: () => number;
}

const iso = (ms: number) => new Date(ms).toISOString();

const deliveryView = (d: StoredDelivery) => ({
  id: d.id,
  at: iso(d.atMs),
  groupKey: d.groupKey,
  receiver: d.receiver,
  channel: d.channel,
  target: d.target,
  kind: d.kind,
  status: d.status,
  error: d.error,
  attempt: d.attempt,
  alerts: [...d.alertNames],
  service: d.service,
  environment: d.environment,
});

/** The silences API and the delivery log (docs/notifications.md). */
export function notifyRoutes(o: NotifyRoutesOptions): FastifyPluginAsyncTypebox {
  const now = o.now ?? Date.now;

  function view(s: Silence, nowMs: number): SilenceView {
    const state = silenceState(s, nowMs);
    const matchers = s.matchers.map(compileMatcher);
    const silencedAlerts =
      state === 'active' && o.notifier
        ? o.notifier
            .alerts()
            .filter((a) => matchesAll(matchers, a.notice.labels))
            .map((a) => ({
              alert: a.notice.alert,
              instanceId: a.notice.instanceId,
              state: a.notice.state,
              labels: { ...a.notice.labels },
            }))
        : [];
    return {
      id: s.id,
      matchers: s.matchers.map((m) => ({ ...m })),
      reason: s.reason,
      createdBy: s.createdBy,
      startsAt: iso(s.startsAtMs),
      endsAt: iso(s.endsAtMs),
      createdAt: iso(s.createdAtMs),
      updatedAt: iso(s.updatedAtMs),
      state,
      silencedAlerts,
    };
  }

  async function refresh(): Promise<void> {
    await o.notifier?.refreshSilences().catch(() => undefined);
  }

  return async (app) => {
    app.get(
      '/api/alerts/silences',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Silences the caller may see (current: active and pending), newest first',
          querystring: SilencesQuery,
          response: { 200: SilencesResult, 400: ApiError, 401: ApiError },
        },
      },
      async (request, reply) => {
        const nowMs = now();
        const all = await readSilences(o.db, sql`1`, clientGone(reply.raw));
        const wanted = request.query.state;
        const silences = all
          .filter((s) => maySeeSilence(request.principal, s))
          .filter((s) => {
            const state = silenceState(s, nowMs);
            return wanted === 'all' || (wanted === 'current' ? state !== 'expired' : state === wanted);
          })
          .map((s) => view(s, nowMs));
        return { silences };
      },
    );

    app.post(
      '/api/alerts/silences',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Create a silence: alerts matching every matcher are not notified until it ends',
          body: SilenceInput,
          response: { 201: SilenceView, 400: ApiError, 401: ApiError, 403: ApiError },
        },
        preValidation: async (request) => requireScope(request, 'read'),
      },
      async (request, reply) => {
        const body = request.body;
        const nowMs = now();
        for (const m of body.matchers) {
          try {
            compileMatcher(m);
          } catch (err) {
            throw new ApiErrors.SILENCE_INVALID(`matcher ${m.name}: ${(err as Error).message}`);
          }
        }
        const compiled = body.matchers.map(compileMatcher);
        // A silence that matches an alert without labels would mute everything.
        if (matchesAll(compiled, {})) {
          throw new ApiErrors.SILENCE_INVALID(
            'the matchers match alerts without any label: add one that needs a value, e.g. service="checkout"',
          );
        }
        const problem = silenceScopeProblem(request.principal, body.matchers);
        if (problem) throw new ApiErrors.SILENCE_FORBIDDEN(problem);
        const startsAtMs = body.startsAt === undefined ? nowMs : parseTime(body.startsAt, nowMs, 'startsAt');
        if ((body.endsAt === undefined) === (body.duration === undefined)) {
          throw new ApiErrors.SILENCE_INVALID('give either endsAt or duration');
        }
        let endsAtMs: number;
        if (body.duration !== undefined) {
          const ms = parseDuration(body.duration);
          if (ms === undefined || ms <= 0) {
            throw new ApiErrors.SILENCE_INVALID(
              `duration "${body.duration}" is not a duration like 2h or 30m`,
            );
          }
          endsAtMs = startsAtMs + ms;
        } else endsAtMs = parseTime(body.endsAt as string, nowMs, 'endsAt');
        if (endsAtMs <= startsAtMs) throw new ApiErrors.SILENCE_INVALID('it must end after it starts');
        if (endsAtMs <= nowMs) throw new ApiErrors.SILENCE_INVALID('it would end in the past');
        if (endsAtMs - startsAtMs > MAX_SILENCE_MS) {
          throw new ApiErrors.SILENCE_INVALID('a silence lasts at most 90 days');
        }
        const p = request.principal;
        const createdBy = p.kind === 'local' ? (body.createdBy ?? p.name) : p.name;
        const silence = await createSilence(
          o.db,
          { matchers: body.matchers, reason: body.reason, createdBy, startsAtMs, endsAtMs },
          nowMs,
        );
        await refresh();
        return reply.code(201).send(view(silence, nowMs));
      },
    );

    app.delete(
      '/api/alerts/silences/:id',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Expire a silence now (404 when unknown or outside the caller’s teams)',
          params: SilenceParams,
          response: { 200: SilenceView, 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError },
        },
        preValidation: async (request) => requireScope(request, 'read'),
      },
      async (request) => {
        const nowMs = now();
        const [silence] = await readSilences(o.db, sql`id = ${request.params.id}`);
        if (!silence || !maySeeSilence(request.principal, silence)) {
          throw new ApiErrors.NOT_FOUND(`silence "${request.params.id}"`);
        }
        const expired =
          silenceState(silence, nowMs) === 'expired' ? silence : await expireSilence(o.db, silence, nowMs);
        await refresh();
        return view(expired, nowMs);
      },
    );

    app.get(
      '/api/alerts/deliveries',
      {
        schema: {
          tags: ['alerts'],
          summary: 'Notification delivery attempts (newest first) and the targets failing now',
          querystring: DeliveriesQuery,
          response: { 200: DeliveriesResult, 400: ApiError, 401: ApiError },
        },
      },
      async (request, reply) => {
        const scope = scopeCondition(request.principal);
        const signal = clientGone(reply.raw);
        const deliveries = await listDeliveries(
          o.db,
          scope,
          { limit: request.query.limit, status: request.query.status },
          signal,
        );
        const failing = await listFailingTargets(o.db, scope, signal);
        return { deliveries: deliveries.map(deliveryView), failing: failing.map(deliveryView) };
      },
    );
  };
}
