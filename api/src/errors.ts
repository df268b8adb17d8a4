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
  ALERTING_DISABLED: createError('HUB_API_ALERTING_DISABLED', 'Alerting is disabled: %s', 409),
  SILENCE_INVALID: createError('HUB_API_SILENCE_INVALID', 'Invalid silence: %s', 400),
  SILENCE_FORBIDDEN: createError('HUB_API_SILENCE_FORBIDDEN', 'Not allowed to silence: %s', 403),
  ALERT_ROUTING_INVALID: createError('HUB_API_ALERT_ROUTING_INVALID', 'Invalid alert routing file: %s', 400),
  VERIFICATION_PROFILES_INVALID: createError(
    'HUB_API_VERIFICATION_PROFILES_INVALID',
    'Invalid verification profiles: %s',
    500,
  ),
  VERIFICATION_UNKNOWN_PROFILE: createError('HUB_API_VERIFICATION_UNKNOWN_PROFILE', '%s', 400),
  VERIFICATION_DEPLOY_MISMATCH: createError('HUB_API_VERIFICATION_DEPLOY_MISMATCH', '%s', 409),
} as const;
