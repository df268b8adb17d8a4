export { buildApp, type BuildAppOptions } from './app.ts';
export { ApiErrors } from './errors.ts';
export { serveWeb, WEB_DIST_DIR } from './web/static.ts';
export { listDeploys, getDeploy, type ListDeploysOptions } from './deploys/list.ts';
export { recordDeploy, type RecordDeployInput, type RecordResult } from './deploys/record.ts';
