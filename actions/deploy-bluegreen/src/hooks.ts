/**
 * AppSpec lifecycle hooks: Lambda functions CodeDeploy invokes at the five hookable events of an
 * ECS deployment to validate the new version; a function that reports Failed fails the deployment,
 * which then rolls back.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 */
import { ConfigurationError } from '../../../lib/errors.js';

/** The ECS events an AppSpec may hook, in the order CodeDeploy runs them. */
export const HOOK_EVENTS = [
  'BeforeInstall',
  'AfterInstall',
  'AfterAllowTestTraffic',
  'BeforeAllowTraffic',
  'AfterAllowTraffic',
] as const;
export type HookEvent = (typeof HOOK_EVENTS)[number];

export interface Hook {
  event: HookEvent;
  /** A Lambda function name, name:alias, or ARN, as the AppSpec takes it. */
  functionName: string;
}

/**
 * Lambda function names: letters, digits, hyphens, underscores, up to 64 characters, with an
 * optional version or alias; or a full function ARN.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
 */
const FUNCTION =
  /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;

/** `EventName=function` lines (blank lines and `#` comments ignored), one function per event. */
export function parseHooks(text: string): Hook[] {
  const hooks: Hook[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `line ${index + 1}`;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new ConfigurationError(
        'hooks',
        line,
        `${where} must be EventName=function-name-or-arn, e.g. AfterAllowTestTraffic=validate-web`,
      );
    }
    const event = line.slice(0, eq).trim();
    const functionName = line.slice(eq + 1).trim();
    if (!(HOOK_EVENTS as readonly string[]).includes(event)) {
      throw new ConfigurationError(
        'hooks',
        line,
        `${where}: '${event}' is not an ECS lifecycle event that takes a hook; use one of ${HOOK_EVENTS.join(', ')}`,
      );
    }
    if (!FUNCTION.test(functionName)) {
      throw new ConfigurationError(
        'hooks',
        line,
        `${where}: '${functionName}' is not a Lambda function name or ARN (e.g. validate-web, validate-web:live or arn:aws:lambda:eu-west-1:123456789012:function:validate-web)`,
      );
    }
    if (hooks.some((h) => h.event === event)) {
      throw new ConfigurationError('hooks', line, `${where}: ${event} is hooked twice; give each event one function`);
    }
    hooks.push({ event: event as HookEvent, functionName });
  });
  return hooks.sort((a, b) => HOOK_EVENTS.indexOf(a.event) - HOOK_EVENTS.indexOf(b.event));
}

/** The AppSpec `Hooks` section: a list of one-entry objects, in event order. */
export function appSpecHooks(hooks: readonly Hook[]): Record<string, string>[] {
  return hooks.map((h) => ({ [h.event]: h.functionName }));
}

/** ` (hook validate-web)` after a lifecycle event's name in the log, or ''. */
export function hookNote(hooks: readonly Hook[] | undefined, event: string): string {
  const hook = hooks?.find((h) => h.event === event);
  return hook ? ` (hook ${hook.functionName})` : '';
}
