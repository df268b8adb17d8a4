import {
  AttributeLimitError,
  Attributes,
  readKeyValue,
  jsonAttributes,
  type DecodeLimits,
} from './attributes.ts';
import type { Redactor } from '../redact/redactor.ts';
import { Resource, Scope, WIRE } from './fields.ts';
import { invalid, nestedEnd, readString, type Reader } from './reader.ts';
import type { LogResourceRef } from './log-resources.ts';
import { RowWriter } from './row-writer.ts';

/** What the hub promotes from resource attributes to columns. */
export interface ResourceInfo {
  attrs: Attributes;
  serviceName: string;
  serviceVersion: string;
  serviceNamespace: string;
  serviceInstanceId: string;
  environment: string;
  hostName: string;
}

export interface ScopeInfo {
  name: string;
  version: string;
}

/** The spec's default when a resource has no service.name. */
export const UNKNOWN_SERVICE = 'unknown_service';

export function resourceInfo(attrs: Attributes): ResourceInfo {
  return {
    attrs,
    serviceName: attrs.get('service.name') || UNKNOWN_SERVICE,
    serviceVersion: attrs.get('service.version') ?? '',
    serviceNamespace: attrs.get('service.namespace') ?? '',
    serviceInstanceId: attrs.get('service.instance.id') ?? '',
    // deployment.environment.name is the current convention; deployment.environment the older one.
    environment: attrs.get('deployment.environment.name') || attrs.get('deployment.environment') || '',
    hostName: attrs.get('host.name') ?? '',
  };
}

/** Reads a Resource message (ending at end); a redactor rewrites values before the columns are promoted. */
export function readResource(
  r: Reader,
  end: number,
  limits: DecodeLimits,
  redactor?: Redactor,
): ResourceInfo {
  const attrs = new Attributes();
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag >>> 3 === Resource.ATTRIBUTES && (tag & 7) === WIRE.LEN) {
      const kvEnd = nestedEnd(r, end);
      readKeyValue(r, kvEnd, limits, attrs);
    } else r.skipType(tag & 7);
  }
  return resourceInfo(redactor ? redactor.redactAttributes(attrs) : attrs);
}

/** Reads an InstrumentationScope message (ending at end); scope attributes are not stored. */
export function readScope(r: Reader, end: number): ScopeInfo {
  const scope: ScopeInfo = { name: '', version: '' };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === Scope.NAME && (tag & 7) === WIRE.LEN) scope.name = readString(r, 'scope.name');
    else if (field === Scope.VERSION && (tag & 7) === WIRE.LEN)
      scope.version = readString(r, 'scope.version');
    else r.skipType(tag & 7);
  }
  return scope;
}

export function jsonResource(value: unknown, limits: DecodeLimits, redactor?: Redactor): ResourceInfo {
  const attrs = new Attributes();
  if (value !== undefined && value !== null) {
    if (typeof value !== 'object') throw invalid('resource must be an object');
    try {
      jsonAttributes((value as { attributes?: unknown }).attributes, limits, attrs);
    } catch (err) {
      // As in the protobuf path: a resource over the limit fails the request (400), not the process (500).
      if (err instanceof AttributeLimitError) throw invalid(`resource has ${err.message}`);
      throw err;
    }
  }
  return resourceInfo(redactor ? redactor.redactAttributes(attrs) : attrs);
}

export function jsonScope(value: unknown): ScopeInfo {
  if (value === undefined || value === null || typeof value !== 'object') return { name: '', version: '' };
  const { name, version } = value as { name?: unknown; version?: unknown };
  return { name: typeof name === 'string' ? name : '', version: typeof version === 'string' ? version : '' };
}

/**
 * The resource-and-scope columns of a log row, encoded once per (resource, scope)
 * and copied to each record: service_name … scope_version, resource_fingerprint
 * in LOG_INSERT_COLUMNS order.
 */
export function encodeLogPrefix(res: ResourceInfo, scope: ScopeInfo, fingerprint: LogResourceRef): Buffer {
  const w = new RowWriter(256);
  w.string(res.serviceName);
  w.string(res.serviceVersion);
  w.string(res.serviceNamespace);
  w.string(res.serviceInstanceId);
  w.string(res.environment);
  w.string(res.hostName);
  w.string(scope.name);
  w.string(scope.version);
  w.u64Parts(fingerprint.lo, fingerprint.hi);
  return w.take();
}
