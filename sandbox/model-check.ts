/**
 * The sandbox held to AWS's API models (testing/aws-models/): every request it receives is checked
 * against the operation's input shape before a handler sees it, and every answer against the output
 * shape before it leaves. A request that breaks the model is refused as AWS refuses it; an answer
 * that breaks it is a sandbox bug, answered 500 so the test that caused it fails. Both are recorded,
 * so a test whose code swallowed the error still fails when it stops the sandbox.
 */
import {
  describeViolation,
  loadModel,
  validateOperation,
  type ModelService,
  type Violation,
} from '../testing/aws-model.js';
import { AwsError, type ServiceName } from './contracts.js';

export interface ModelViolation {
  service: ServiceName;
  operation: string;
  /** `request`: what a client sent (a product bug); `answer`: what the sandbox answered (a sandbox bug). */
  direction: 'request' | 'answer';
  /** `path: problem`, one per violation. */
  violations: string[];
}

const MODEL_OF: Record<ServiceName, ModelService> = {
  ecs: 'ecs',
  ecr: 'ecr',
  codedeploy: 'codedeploy',
  sts: 'sts',
  logs: 'logs',
  elbv2: 'elbv2',
};

export function requestViolations(
  service: ServiceName,
  operation: string,
  input: Record<string, unknown>,
): Violation[] {
  const model = loadModel(MODEL_OF[service]);
  return validateOperation(model, operation, 'input', input, model.metadata.protocol === 'query' ? 'query' : 'json');
}

export function answerViolations(service: ServiceName, operation: string, output: unknown): Violation[] {
  const model = loadModel(MODEL_OF[service]);
  return validateOperation(model, operation, 'output', output, model.metadata.protocol === 'query' ? 'query' : 'json');
}

/**
 * AWS's refusal of a request that breaks the model.
 * - A value of the wrong type cannot be read into the shape: JSON services answer
 *   SerializationException (public reports: aws-amplify/amplify-js#13265, "Start of structure
 *   or map found where not expected"; amazon-cognito-identity-js#485, a boolean where a string
 *   belongs).
 * - A broken constraint (missing, unknown, enum, length, range, pattern): ECR answers
 *   InvalidParameterException "... failed to satisfy constraint: Member must satisfy regular
 *   expression pattern" (aws-actions/amazon-ecr-login#225); STS, on the query protocol,
 *   ValidationError "1 validation error detected: ... failed to satisfy constraint" (tenesys/awsconsole#2),
 *   and so does ELBv2, also on the query protocol, for any bad value (hashicorp/terraform#11699,
 *   awsdocs/aws-cloudformation-user-guide#467: "Error Code: ValidationError", status 400). For ECS, InvalidParameterException is our assumption: the ECS model lists it on every
 *   operation as "The specified parameter isn't valid", and no public source shows the answer to a
 *   model violation. CodeDeploy's model has no general validation error, so ValidationException,
 *   the name AWS's JSON services give one, is our assumption too.
 * - Whether AWS refuses or ignores a member its model lacks is not documented; refusing it is our
 *   assumption, so a raw caller's misspelt member fails loudly (SDK v3 never sends one: it writes
 *   only modelled members).
 * The message names each violation, so the test that sent the request says what to fix.
 */
export function refusal(service: ServiceName, violations: Violation[]): AwsError {
  const message = `request breaks the AWS model: ${violations.map(describeViolation).join('; ')}`;
  const query = service === 'sts' || service === 'elbv2';
  if (!query && violations.every((v) => v.kind === 'type')) {
    return new AwsError('SerializationException', message);
  }
  const code = query
    ? 'ValidationError'
    : service === 'codedeploy'
      ? 'ValidationException'
      : 'InvalidParameterException';
  return new AwsError(code, message);
}

/** The 500 a broken sandbox answer becomes, naming what broke. */
export function brokenAnswer(service: ServiceName, operation: string, violations: Violation[]): AwsError {
  return new AwsError(
    'InternalFailure',
    `sandbox answer to ${service}.${operation} breaks the AWS model: ${violations.map(describeViolation).join('; ')}`,
    500,
  );
}
