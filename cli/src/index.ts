export { main, buildProgram } from './main.ts';
export { EXIT, UsageError, type ExitCode } from './exit-codes.ts';
export { HubClient, HubRejected, HubUnavailable, type HubClientOptions } from './client.ts';
export { deployBody, ciRunUrl, parseLink, STATUSES } from './commands/deploy.ts';
export type { Env } from './connection.ts';
export type { Output } from './output.ts';
