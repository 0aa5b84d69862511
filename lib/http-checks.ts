/**
 * HTTP checks shared by smoke-test and deploy-bluegreen's test-traffic gate: the public entry of
 * lib/http/ (the client, the expectations, the checks, the statistics and redaction).
 */
export {
  runHttpChecks,
  type CheckRow,
  type HttpCheckDeps,
  type HttpCheckResult,
  type HttpCheckSpec,
} from './http/checks.js';
export {
  createNodeHttpGet,
  describeNetworkError,
  HttpRequestError,
  MAX_BODY_BYTES,
  type HttpGet,
  type HttpResponse,
} from './http/client.js';
export { fieldText } from './http/expectations.js';
export { redactSecrets, shownValue } from './http/redact.js';
export { percentile } from './http/stats.js';
