/**
 * The routing file on its own (no database, no server), for `hub rules check`
 * and `npm run rules:schema`: imported as `@obshub/api/alert-routing`.
 */
export { parseRoutingText, loadRoutingFile, EMPTY_ROUTING, type RoutingLoadResult } from './routing-load.ts';
export {
  routingFileJsonSchema,
  RoutingFile,
  ROUTING_FILE_NAME,
  ROUTE_DEFAULTS,
  ROUTE_LIMITS,
} from './routing-schema.ts';
export type { Routing, RouteSpec } from './routing-model.ts';
export { matchRoutes, place, type Placement, type Target } from './grouping.ts';
