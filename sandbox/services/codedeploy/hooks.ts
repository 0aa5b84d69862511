/**
 * AppSpec hooks in the sandbox. A hook is a Lambda function that reports Succeeded or Failed
 * through PutLifecycleEventHookExecutionStatus; the sandbox runs no Lambda, so each hook answers
 * as configured: Succeeded, unless the fault `failHook` names its function.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 */
import type { FaultSet } from '../../contracts.js';
import type { Diagnostics } from './model.js';

export interface HookAnswer {
  status: 'Succeeded' | 'Failed';
  diagnostics: Diagnostics;
}

/** Matches a fault's function against an AppSpec's: by name, name:qualifier or the ARN's name. */
function sameFunction(fromAppSpec: string, named: string): boolean {
  const nameOf = (ref: string) => ref.replace(/^arn:aws[a-z-]*:lambda:[^:]+:\d+:function:/, '');
  return fromAppSpec === named || nameOf(fromAppSpec) === nameOf(named) || nameOf(fromAppSpec).split(':')[0] === named;
}

/**
 * The answer of the functions hooked at `event`. The diagnostics' wording is our assumption: AWS
 * documents the fields (LifecycleEvent.diagnostics), not what a failed Lambda hook puts in them.
 */
export function answerHook(event: string, functions: string[], faults: FaultSet): HookAnswer {
  const fault = faults.failHook;
  const failing = fault ? functions.find((f) => sameFunction(f, fault.functionName)) : undefined;
  if (failing) {
    return {
      status: 'Failed',
      diagnostics: {
        errorCode: 'ScriptFailed',
        scriptName: failing,
        message: fault?.message ?? `The ${event} hook ${failing} reported Failed.`,
        logTail: fault?.logTail ?? '',
      },
    };
  }
  return {
    status: 'Succeeded',
    diagnostics: {
      errorCode: 'Success',
      scriptName: functions.join(', '),
      message: `Lambda function ${functions.join(', ')} cannot run in the sandbox; the ${event} hook was treated as succeeded.`,
      logTail: '',
    },
  };
}
