import createError from '@fastify/error';

/** The API's error catalogue (docs/errors.md lists every code). */
export const ApiErrors = {
  NOT_FOUND: createError('HUB_API_NOT_FOUND', 'Not found: %s', 404),
  BAD_REQUEST: createError('HUB_API_BAD_REQUEST', '%s', 400),
  STORAGE_UNAVAILABLE: createError(
    'HUB_API_STORAGE_UNAVAILABLE',
    'ClickHouse is unavailable; retry later',
    503,
  ),
  UNAUTHENTICATED: createError('HUB_API_UNAUTHENTICATED', 'Sign in or send a bearer token', 401),
  FORBIDDEN: createError('HUB_API_FORBIDDEN', 'Not allowed: %s', 403),
  CONFLICT: createError('HUB_API_CONFLICT', 'Conflict: %s', 409),
  ACCESS_CONFIG_INVALID: createError('HUB_API_ACCESS_CONFIG_INVALID', 'Invalid teams configuration: %s', 500),
  ALERT_RULES_INVALID: createError('HUB_API_ALERT_RULES_INVALID', 'Invalid alert rules: %s', 400),
} as const;
