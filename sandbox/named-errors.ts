/**
 * The `errors` fault: a named operation answers a named AWS error, with the HTTP status AWS gives
 * it. The status comes from the service's API model (testing/aws-models/<service>.json: an error
 * shape's `error.httpStatusCode`, else 500 for a `fault`, else 400), or, for the errors every
 * service shares and no model lists, from AWS's common errors table.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/CommonErrors.html
 */
import { readFileSync } from 'node:fs';
import { AwsError, type ServiceName } from './contracts.js';

/** AWS's common errors and their HTTP status (the CommonErrors page of each API reference). */
const COMMON_ERRORS: Record<string, number> = {
  AccessDeniedException: 400,
  IncompleteSignature: 400,
  InternalFailure: 500,
  InvalidAction: 400,
  InvalidClientTokenId: 403,
  NotAuthorized: 400,
  OptInRequired: 403,
  RequestExpired: 400,
  ServiceUnavailable: 503,
  ThrottlingException: 400,
  ValidationError: 400,
  UnrecognizedClientException: 400,
};

interface ErrorShape {
  exception?: boolean;
  fault?: boolean;
  error?: { code?: string; httpStatusCode?: number };
}

const MODEL_FILE: Record<ServiceName, string> = {
  ecr: 'ecr',
  ecs: 'ecs',
  codedeploy: 'codedeploy',
  sts: 'sts',
  logs: 'logs',
  elbv2: 'elbv2',
};
const statusCache = new Map<ServiceName, Map<string, number>>();

/** Every error code the model of `service` names, with its HTTP status. */
function modelErrors(service: ServiceName): Map<string, number> {
  let statuses = statusCache.get(service);
  if (statuses) return statuses;
  statuses = new Map();
  const url = new URL(`../testing/aws-models/${MODEL_FILE[service]}.json`, import.meta.url);
  const model = JSON.parse(readFileSync(url, 'utf8')) as { shapes: Record<string, ErrorShape> };
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (!shape.exception) continue;
    statuses.set(shape.error?.code ?? name, shape.error?.httpStatusCode ?? (shape.fault ? 500 : 400));
  }
  statusCache.set(service, statuses);
  return statuses;
}

/** The HTTP status `service` answers `code` with; undefined when neither its model nor the common errors know it. */
export function errorStatus(service: ServiceName, code: string): number | undefined {
  // ECR answers throttling with 429 (https://docs.aws.amazon.com/AmazonECR/latest/userguide/common-errors.html).
  if (service === 'ecr' && code === 'ThrottlingException') return 429;
  return modelErrors(service).get(code) ?? COMMON_ERRORS[code];
}

/** True when some service of the sandbox knows `code`: what POST /_sandbox/faults accepts. */
export function isKnownError(code: string): boolean {
  return (Object.keys(MODEL_FILE) as ServiceName[]).some((service) => errorStatus(service, code) !== undefined);
}

/** The AwsError the `errors` fault makes `service` answer. */
export function namedError(service: ServiceName, code: string): AwsError {
  return new AwsError(
    code,
    `${code} (the sandbox's errors fault for this operation)`,
    errorStatus(service, code) ?? 400,
  );
}
