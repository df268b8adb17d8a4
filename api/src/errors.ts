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
} as const;
