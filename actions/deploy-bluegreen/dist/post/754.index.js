export const id = 754;
export const ids = [754];
export const modules = {

/***/ 3754:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  CodeDeployClient: () => (/* reexport */ dist_cjs/* CodeDeployClient */.cHd),
  ECSClient: () => (/* reexport */ client_ecs_dist_cjs/* ECSClient */.Zgc),
  followRollback: () => (/* reexport */ followRollback),
  stopLeftoverDeployment: () => (/* reexport */ stopLeftoverDeployment)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-codedeploy/dist-cjs/index.js
var dist_cjs = __webpack_require__(7507);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecs/dist-cjs/index.js
var client_ecs_dist_cjs = __webpack_require__(212);
// EXTERNAL MODULE: ./lib/aws.ts + 1 modules
var aws = __webpack_require__(8351);
// EXTERNAL MODULE: ./lib/cancel.ts
var cancel = __webpack_require__(6814);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/bounded.ts
/**
 * Calls and waits with a bound. Calls that must finish inside the runner's cancel window: after
 * SIGINT the runner sends SIGTERM 7.5 s later and kills 2.5 s after that, and the SDK's adaptive
 * retries under throttling can take longer than that. Each attempt gets its own abort signal
 * (lib/cancel.ts withTimeout). Waits go through lib/cancel.ts poll().
 */

/** How long one stop call may take on the cancel path before it is abandoned (and tried once more). */
const STOP_CALL_MS = 1_500;
/** On cancel the runner kills the process 10 s after SIGINT: keep the rollback wait well inside that. */
const bounded_CANCEL_BUDGET_MS = 5_000;
/** After a timeout or failure, how long to wait for the rollback deployment before reporting. */
const bounded_ROLLBACK_WAIT_MS = (/* unused pure expression or super */ null && (5 * 60_000));
/** A stop on the cancel path: abandoned after STOP_CALL_MS and tried once more, to fit the kill window. */
const bounded_STOP_ON_CANCEL = { perCallMs: STOP_CALL_MS, attempts: 2 };
/**
 * Runs `call` once as it is, or, with a `bound`, with a signal that aborts after `perCallMs` of
 * `clock`'s time, `attempts` times in all while the errors are not `final`. The last error is thrown.
 */
async function callWithin(call, opts) {
    const { bound, clock = cancel/* systemClock */.ml, final = () => false } = opts;
    if (!bound)
        return call({});
    for (let attempt = 1;; attempt++) {
        try {
            return await call({ abortSignal: (0,cancel/* withTimeout */.wj)(undefined, bound.perCallMs, clock) });
        }
        catch (error) {
            if (attempt >= bound.attempts || final(error))
                throw error;
        }
    }
}
/** The deployment's own wait: on the step's clock and signal, every poll-interval-seconds until timeout-minutes. */
function bounded_untilTimeout(deps, plan) {
    return { clock: deps.clock, signal: deps.signal, deadline: plan.deadline, intervalMs: plan.pollIntervalMs };
}
/**
 * Reads a deployment's status until `ended` says it is over or `budgetMs` passes, and returns the
 * last status seen. Each read is bounded by what is left of the budget, so a slow or retried call
 * cannot overrun it: a read that runs out of time, or answers undefined, ends the wait with the
 * status seen before. CancelledError when `signal` aborts.
 */
function bounded_followStatus(opts) {
    let status = opts.status;
    return poll({
        clock: opts.clock,
        signal: opts.signal,
        timeoutMs: opts.budgetMs,
        intervalMs: opts.intervalMs,
        perCallMs: 'untilDeadline',
        check: async (callSignal) => {
            let read;
            try {
                read = await opts.read(callSignal);
            }
            catch (error) {
                if (opts.signal?.aborted)
                    throw cancelledFrom(opts.signal);
                if (callSignal?.aborted)
                    return { done: true, value: status };
                throw error;
            }
            if (read === undefined)
                return { done: true, value: status };
            status = read;
            return opts.ended(status) ? { done: true, value: status } : { done: false };
        },
        onDeadline: () => status,
    });
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy-states.ts
/** A deployment: Stopped counts as failed (someone, or an alarm, stopped it and CodeDeploy rolled back). */
const DEPLOYMENT_STATUS = {
    Created: 'going',
    Queued: 'going',
    InProgress: 'going',
    Baking: 'going',
    Ready: 'going',
    Succeeded: 'done',
    Failed: 'failed',
    Stopped: 'failed',
};
/** A lifecycle event: Skipped ("the deployment lifecycle event has been skipped") is over, as Succeeded is. */
const LIFECYCLE_EVENT_STATUS = {
    Pending: 'going',
    InProgress: 'going',
    Succeeded: 'done',
    Skipped: 'done',
    Failed: 'failed',
    Unknown: 'unknown',
};
/** The deployment target (the ECS service): Ready waits for a reroute, so it is still going. */
const TARGET_STATUS = {
    Pending: 'going',
    InProgress: 'going',
    Ready: 'going',
    Succeeded: 'done',
    Skipped: 'done',
    Failed: 'failed',
    Unknown: 'unknown',
};
const classify = (table) => (status) => status !== undefined && Object.prototype.hasOwnProperty.call(table, status) ? table[status] : 'unknown';
const codedeploy_states_deploymentProgress = classify(DEPLOYMENT_STATUS);
const codedeploy_states_lifecycleEventProgress = classify(LIFECYCLE_EVENT_STATUS);
const codedeploy_states_targetProgress = classify(TARGET_STATUS);
/** Statuses of a deployment that has not ended (ListDeployments includeOnlyStatuses, the post step). */
const codedeploy_states_ACTIVE_STATUSES = Object.keys(DEPLOYMENT_STATUS).filter((status) => DEPLOYMENT_STATUS[status] === 'going');

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./lib/errors.ts
var errors = __webpack_require__(8115);
// EXTERNAL MODULE: ./lib/inputs.ts
var inputs = __webpack_require__(453);
// EXTERNAL MODULE: ./actions/deploy-bluegreen/src/deps.ts
var deps = __webpack_require__(7097);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/hooks.ts
/**
 * AppSpec lifecycle hooks: Lambda functions CodeDeploy invokes at the five hookable events of an
 * ECS deployment to validate the new version; a function that reports Failed fails the deployment,
 * which then rolls back.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-ecs
 */

/** The ECS events an AppSpec may hook, in the order CodeDeploy runs them. */
const HOOK_EVENTS = (/* unused pure expression or super */ null && ([
    'BeforeInstall',
    'AfterInstall',
    'AfterAllowTestTraffic',
    'BeforeAllowTraffic',
    'AfterAllowTraffic',
]));
/**
 * Lambda function names: letters, digits, hyphens, underscores, up to 64 characters, with an
 * optional version or alias; or a full function ARN.
 * https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
 */
const FUNCTION = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(?::(?:\$LATEST|[A-Za-z0-9_-]{1,128}))?$/;
/** `EventName=function` lines (blank lines and `#` comments ignored), one function per event. */
function parseHooks(text) {
    const hooks = [];
    text.split(/\r?\n/).forEach((raw, index) => {
        const line = raw.trim();
        if (line === '' || line.startsWith('#'))
            return;
        const where = `line ${index + 1}`;
        const eq = line.indexOf('=');
        if (eq <= 0) {
            throw new ConfigurationError('hooks', line, `${where} must be EventName=function-name-or-arn, e.g. AfterAllowTestTraffic=validate-web`);
        }
        const event = line.slice(0, eq).trim();
        const functionName = line.slice(eq + 1).trim();
        if (!HOOK_EVENTS.includes(event)) {
            throw new ConfigurationError('hooks', line, `${where}: '${event}' is not an ECS lifecycle event that takes a hook; use one of ${HOOK_EVENTS.join(', ')}`);
        }
        if (!FUNCTION.test(functionName)) {
            throw new ConfigurationError('hooks', line, `${where}: '${functionName}' is not a Lambda function name or ARN (e.g. validate-web, validate-web:live or arn:aws:lambda:eu-west-1:123456789012:function:validate-web)`);
        }
        if (hooks.some((h) => h.event === event)) {
            throw new ConfigurationError('hooks', line, `${where}: ${event} is hooked twice; give each event one function`);
        }
        hooks.push({ event: event, functionName });
    });
    return hooks.sort((a, b) => HOOK_EVENTS.indexOf(a.event) - HOOK_EVENTS.indexOf(b.event));
}
/** The AppSpec `Hooks` section: a list of one-entry objects, in event order. */
function hooks_appSpecHooks(hooks) {
    return hooks.map((h) => ({ [h.event]: h.functionName }));
}
/** ` (hook validate-web)` after a lifecycle event's name in the log, or ''. */
function hooks_hookNote(hooks, event) {
    const hook = hooks?.find((h) => h.event === event);
    return hook ? ` (hook ${hook.functionName})` : '';
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/shared.ts

/** Succeeded, Failed or Stopped: the deployment is over, one way or the other. */
const shared_ended = (status) => ['done', 'failed'].includes(deploymentProgress(status));
function shared_deploymentConsoleUrl(region, id) {
    const r = encodeURIComponent(region);
    return `https://${r}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(id)}?region=${r}`;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/plan.ts

/** The service's deployments in the ECS console. */
function plan_serviceDeploymentsConsoleUrl(region, plan) {
    const r = encodeURIComponent(region);
    return `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(plan.cluster)}/services/${encodeURIComponent(plan.service)}/deployments?region=${r}`;
}
function plan_rememberServiceDeployment(deps, plan, record, arn) {
    record.id = arn;
    deps.saveState(STATE.kind, 'ecs');
    deps.saveState(STATE.id, arn);
    deps.saveState(STATE.finished, 'false');
    deps.logger.info(`Service deployment ${arn}`);
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/unwatched.ts
/**
 * wait: false. The action returns once CodeDeploy has accepted the deployment (or UpdateService
 * has started the ECS service deployment): its id, status and console link are the whole result,
 * and the post step must not stop it on a later cancel, since this run no longer owns it.
 */






async function unwatched_leaveUnwatched(deps, record) {
    deps.saveState(STATE.finished, 'true');
    record.notWatched = true;
    // One read for the status CodeDeploy gives it now (Created, Queued or InProgress).
    const answer = await awsCall(`deployment ${record.id}`, () => deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: record.id })));
    record.status = answer.deploymentInfo?.status ?? 'Created';
    deps.logger.info(`wait is false: deployment ${record.id} is ${record.status} and goes on without this action; nobody watches it to the end or rolls it back on cancel. Follow it at ${deploymentConsoleUrl(deps.region, record.id)}`);
    return record;
}
/**
 * The ECS controller: UpdateService's answer names the service deployment it started
 * (Service.currentServiceDeployment); one DescribeServiceDeployments gives its status (PENDING or
 * IN_PROGRESS at first). An answer without it (an older API) falls back to the PRIMARY
 * deployment's id and rolloutState.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html
 */
async function unwatched_leaveEcsUnwatched(deps, plan, record, service) {
    deps.saveState(STATE.finished, 'true');
    record.notWatched = true;
    const arn = service?.currentServiceDeployment;
    if (arn) {
        record.id = arn;
        const answer = await awsCall(`service deployment ${arn}`, () => deps.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] })));
        record.status = answer.serviceDeployments?.[0]?.status ?? 'PENDING';
    }
    else {
        const primary = service?.deployments?.find((d) => d.status === 'PRIMARY');
        record.id = primary?.id ?? '';
        record.status = primary?.rolloutState ?? 'IN_PROGRESS';
    }
    deps.logger.info(`wait is false: service deployment ${record.id} of ${plan.cluster}/${plan.service} is ${record.status} and goes on without this action; nobody watches it to the end or rolls it back on cancel. Follow it at ${serviceDeploymentsConsoleUrl(deps.region, plan)}`);
    return record;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/reads.ts
/** CodeDeploy reads that wake on cancellation, and tolerate a deployment that has not started yet. */




async function reads_read(deps, resource, call) {
    throwIfCancelled(deps.signal);
    try {
        return await awsCall(resource, () => call({ abortSignal: deps.signal }));
    }
    catch (error) {
        if (deps.signal.aborted)
            throw cancelledFrom(deps.signal);
        throw error;
    }
}
async function reads_getDeployment(deps, id) {
    const answer = await reads_read(deps, `deployment ${id}`, (options) => deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), options));
    if (!answer.deploymentInfo)
        throw new ActionFailure(`GetDeployment returned nothing for ${id}`);
    return answer.deploymentInfo;
}
/** Errors that only mean "not there yet" while a deployment starts. */
const NOT_YET = (/* unused pure expression or super */ null && (['DeploymentTargetDoesNotExistException', 'DeploymentNotStartedException']));
async function reads_listTargets(deps, id) {
    try {
        const answer = await reads_read(deps, `deployment ${id}`, (options) => deps.codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId: id }), options));
        return answer.targetIds ?? [];
    }
    catch (error) {
        if (error instanceof AwsCallError && NOT_YET.includes(error.code ?? ''))
            return [];
        throw error;
    }
}
async function reads_getTarget(deps, id, targetId) {
    try {
        const answer = await reads_read(deps, `deployment target ${targetId} of ${id}`, (options) => deps.codedeploy.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId }), options));
        return answer.deploymentTarget?.ecsTarget;
    }
    catch (error) {
        // The target appears a moment after the deployment is created.
        if (error instanceof AwsCallError && NOT_YET.includes(error.code ?? ''))
            return undefined;
        throw error;
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/stop.ts
/**
 * Stopping a CodeDeploy deployment with rollback (on timeout, cancellation or failed checks), and
 * waiting, bounded, for the rollback to end.
 */








/**
 * StopDeployment with auto-rollback. With a `bound` (the cancel path: STOP_ON_CANCEL) each attempt
 * is aborted after that long and tried again, so the stop fits in the runner's kill window.
 */
async function stop_stopDeployment(deps, id, bound) {
    const alreadyOver = (error) => error instanceof aws/* AwsCallError */.iQ && error.code === 'DeploymentAlreadyCompletedException';
    try {
        await callWithin((options) => (0,aws/* awsCall */.uF)(`deployment ${id}`, () => deps.codedeploy.send(new dist_cjs/* StopDeploymentCommand */.NzN({ deploymentId: id, autoRollbackEnabled: true }), options)), { bound, clock: deps.clock, final: alreadyOver });
    }
    catch (error) {
        // It ended by itself in the meantime: nothing to stop.
        if (alreadyOver(error))
            return;
        throw error;
    }
}
/** Timeout or failed checks: stop with rollback, wait for the rollback (bounded), fail saying what happened. */
async function stop_stopAndFail(deps, plan, record, why) {
    record.stoppedBecause = why;
    // Logged, not annotated: the ActionFailure thrown below is this failure's one annotation.
    deps.logger.info(why);
    deps.logger.info(`Stopping deployment ${record.id} with rollback.`);
    try {
        await stop_stopDeployment(deps, record.id);
    }
    catch (error) {
        // The state still says "not finished", so the post step (post-if: always()) tries the stop again,
        // whatever rollback-on-cancel says: this stop was not about a cancellation.
        deps.saveState(STATE.stopFailed, 'true');
        throw new ActionFailure(`${why}. StopDeployment failed (${error.message}): deployment ${record.id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: ${deploymentConsoleUrl(deps.region, record.id)}`);
    }
    // Stopped: CodeDeploy rolls back on its own, nothing is left for the post step.
    deps.saveState(STATE.finished, 'true');
    const outcome = await rollbackOutcome(deps, record, ROLLBACK_WAIT_MS, deps.signal, Math.min(plan.pollIntervalMs, 2000));
    throw new ActionFailure(`${why}. Stopped deployment ${record.id} with rollback: ${outcome}.`);
}
async function stop_onCancel(deps, plan, record, error) {
    const why = `${error.message} while deployment ${record.id} was ${record.status ?? 'starting'}`;
    record.stoppedBecause = why;
    if (!plan.rollbackOnCancel) {
        deps.saveState(STATE.finished, 'true');
        throw new ActionFailure(`${why}. rollback-on-cancel is false: the deployment goes on without this action.`);
    }
    deps.logger.info(`${why}: stopping it with rollback.`);
    const cancelledAt = deps.clock.now();
    try {
        await stop_stopDeployment(deps, record.id, STOP_ON_CANCEL);
    }
    catch (error) {
        // The post step (post-if: always()) tries again: the state still says "not finished".
        throw new ActionFailure(`${why}. StopDeployment did not go through (${error.message}); the post step tries again. Check deployment ${record.id}: ${deploymentConsoleUrl(deps.region, record.id)}`);
    }
    deps.saveState(STATE.finished, 'true');
    // No signal here: it has already fired; each poll is bounded by what is left of the budget,
    // which keeps us inside the runner's kill deadline.
    const left = Math.max(0, CANCEL_BUDGET_MS - (deps.clock.now() - cancelledAt));
    const outcome = await rollbackOutcome(deps, record, left, undefined, 500);
    throw new ActionFailure(`${why}. Stopped deployment ${record.id} with rollback: ${outcome}.`);
}
/** Waits (bounded) for the stopped deployment and its rollback; one phrase saying where they got. */
async function rollbackOutcome(deps, record, budgetMs, signal, intervalMs) {
    const deadline = deps.clock.now() + budgetMs;
    try {
        const status = await stop_waitForEnd(deps, record.id, budgetMs, signal, intervalMs);
        record.status = status;
        if (!ended(status))
            return `it was still ${status} after ${formatDuration(budgetMs)}; follow it in the console`;
        const callSignal = withTimeout(signal, Math.max(1, deadline - deps.clock.now()), deps.clock);
        const info = await getDeploymentWithin(deps, record.id, signal, callSignal);
        const rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
        if (!rollbackId)
            return `it ended ${status}`;
        record.rollbackId = rollbackId;
        const rollbackStatus = await stop_waitForEnd(deps, rollbackId, Math.max(0, deadline - deps.clock.now()), signal, intervalMs);
        record.rollbackStatus = rollbackStatus;
        return ended(rollbackStatus)
            ? `it ended ${status}, and rollback deployment ${rollbackId} ${rollbackStatus}${rollbackStatus === 'Succeeded' ? ' (the previous version serves all traffic)' : ''}`
            : `it ended ${status}; rollback deployment ${rollbackId} was still ${rollbackStatus} after ${formatDuration(budgetMs)}`;
    }
    catch (error) {
        if (error instanceof CancelledError)
            return 'cancelled while waiting for the rollback; follow it in the console';
        return `could not follow the rollback (${error.message})`;
    }
}
/** Polls a deployment until it ends or `budgetMs` passes; returns its last status. */
async function stop_waitForEnd(deps, id, budgetMs, signal, intervalMs) {
    return followStatus({
        clock: deps.clock,
        signal,
        budgetMs,
        intervalMs,
        status: 'Unknown',
        read: async (callSignal) => {
            const info = await getDeploymentWithin(deps, id, signal, callSignal);
            return info && (info.status ?? 'Unknown');
        },
        ended,
    });
}
/**
 * GetDeployment under `callSignal` (`signal` with a time bound): undefined when the bound ran out,
 * CancelledError when `signal` fired.
 */
async function getDeploymentWithin(deps, id, signal, callSignal) {
    try {
        const answer = await awsCall(`deployment ${id}`, () => deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: id }), { abortSignal: callSignal }));
        return answer.deploymentInfo;
    }
    catch (error) {
        if (signal?.aborted)
            throw cancelledFrom(signal);
        if (callSignal?.aborted)
            return undefined;
        throw error;
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/diagnostics.ts
/**
 * Why a deployment failed, as ECS sees it: the stopped tasks' stoppedReason and the service's
 * latest events. Best effort: a failure to read them never hides the deployment's own error.
 */


const MAX_TASKS = 5;
const MAX_EVENTS = 5;
const MAX_PAGES = 3;
const DESCRIBE_BATCH = 100;
async function diagnostics_explainStoppedTasks(deps, cluster, service, taskDefinitionArn, record) {
    const lines = [];
    try {
        const arns = await stoppedTaskArns(deps, cluster, service);
        const tasks = [];
        // DescribeTasks takes up to 100 tasks.
        for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
            const batch = arns.slice(i, i + DESCRIBE_BATCH);
            const described = await awsCall(`stopped tasks of ${cluster}/${service}`, () => deps.ecs.send(new DescribeTasksCommand({ cluster, tasks: batch })));
            tasks.push(...(described.tasks ?? []));
        }
        // Only the new revision's tasks explain its failure; drained blue tasks stop too, for no fault.
        const shown = (taskDefinitionArn ? tasks.filter((t) => t.taskDefinitionArn === taskDefinitionArn) : tasks)
            .sort((a, b) => (b.stoppedAt?.getTime() ?? 0) - (a.stoppedAt?.getTime() ?? 0))
            .slice(0, MAX_TASKS);
        if (record) {
            record.stoppedTasks = shown.map((task) => ({
                id: task.taskArn?.split('/').pop() ?? '?',
                reason: task.stoppedReason ?? 'no stoppedReason',
                exitCode: task.containers?.find((c) => c.exitCode !== undefined)?.exitCode,
            }));
        }
        if (shown.length > 0) {
            lines.push('Stopped tasks:');
            for (const task of shown) {
                const id = task.taskArn?.split('/').pop() ?? '?';
                const exit = task.containers?.find((c) => c.exitCode !== undefined)?.exitCode;
                lines.push(`  - task ${id} (${shortTaskDefinition(task.taskDefinitionArn)}): ${task.stoppedReason ?? 'no stoppedReason'}${exit !== undefined ? ` (exit code ${exit})` : ''}`);
            }
        }
        else if (taskDefinitionArn) {
            lines.push(`No task of ${shortTaskDefinition(taskDefinitionArn)} has stopped${tasks.length > 0 ? ` (the ${tasks.length} stopped task(s) of other revisions are not shown)` : ''}.`);
        }
    }
    catch (error) {
        lines.push(`(could not read the stopped tasks: ${error.message})`);
    }
    try {
        const answer = await awsCall(`service ${service} in cluster ${cluster}`, () => deps.ecs.send(new DescribeServicesCommand({ cluster, services: [service] })));
        // ECS lists events newest first.
        const events = (answer.services?.[0]?.events ?? []).slice(0, MAX_EVENTS);
        if (events.length > 0) {
            lines.push('Latest service events:');
            for (const event of events) {
                lines.push(`  - ${event.createdAt ? event.createdAt.toISOString() : ''} ${event.message ?? ''}`.trimEnd());
            }
        }
    }
    catch (error) {
        lines.push(`(could not read the service events: ${error.message})`);
    }
    return lines;
}
/** Up to MAX_PAGES pages of ListTasks (ECS keeps stopped tasks for about an hour). */
async function stoppedTaskArns(deps, cluster, service) {
    const arns = [];
    let nextToken;
    for (let page = 0; page < MAX_PAGES; page++) {
        const listed = await awsCall(`stopped tasks of ${cluster}/${service}`, () => deps.ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: 'STOPPED', nextToken })));
        arns.push(...(listed.taskArns ?? []));
        nextToken = listed.nextToken;
        if (!nextToken)
            break;
    }
    return arns;
}
function shortTaskDefinition(arn) {
    return arn?.split('/').pop() ?? 'unknown task definition';
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/explain.ts



async function explain_explainFailure(deps, plan, record, last) {
    const info = last.info;
    const lines = [];
    const failed = (last.target?.lifecycleEvents ?? []).find((e) => lifecycleEventProgress(e.status) === 'failed');
    lines.push(`Deployment ${record.id} ${info.status}${failed ? ` in lifecycle event ${failed.lifecycleEventName}` : ''}.`);
    if (failed?.diagnostics?.message) {
        lines.push(`${failed.lifecycleEventName}${hookNote(plan.hooks, failed.lifecycleEventName ?? '')}: ${failed.diagnostics.errorCode ?? 'error'}: ${failed.diagnostics.message}`);
        if (failed.diagnostics.logTail?.trim())
            lines.push(`Log tail:\n${failed.diagnostics.logTail.trim()}`);
    }
    if (info.errorInformation) {
        lines.push(`CodeDeploy: ${info.errorInformation.code ?? 'error'}: ${info.errorInformation.message ?? ''}`.trim());
    }
    lines.push(...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)));
    if (record.rollbackId) {
        lines.push(`Rollback deployment ${record.rollbackId}: ${record.rollbackStatus ?? 'unknown'}${record.rollbackStatus === 'Succeeded' ? ' (the previous version serves all traffic)' : ''}.`);
    }
    return lines.join('\n');
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/watch.ts
/**
 * Watching a CodeDeploy deployment to its end: lifecycle events and traffic weights in the log and
 * the record, the test-traffic gate at Ready, and what a timeout, cancel or failure leads to.
 */













async function watch_watch(deps, plan, record) {
    const { logger } = deps;
    const seen = {
        status: '',
        events: new Map(),
        traffic: '',
        gate: false,
        manualWait: false,
        terminationWait: false,
        unknown: new Set(),
    };
    let targetId = `${plan.cluster}:${plan.service}`;
    let listedTargets = false;
    let last;
    const id = record.id;
    try {
        const outcome = await poll({
            ...untilTimeout(deps, plan),
            check: async () => {
                const info = await getDeployment(deps, id);
                record.status = info.status ?? 'Unknown';
                if (!listedTargets) {
                    const ids = await listTargets(deps, id);
                    if (ids.length > 0) {
                        targetId = ids.find((t) => t === targetId) ?? ids[0];
                        listedTargets = true;
                    }
                }
                const target = await getTarget(deps, id, targetId);
                last = { info, target };
                const status = info.status ?? 'Unknown';
                record.status = status;
                if (status !== seen.status) {
                    logger.info(`Deployment ${id}: ${status}`);
                    seen.status = status;
                }
                logLifecycle(deps, target, seen.events, record, plan.hooks);
                logTraffic(deps, target, seen, record);
                sayUnknown(deps, id, info, target, seen.unknown);
                if (ended(status)) {
                    // Nothing left for the post step to stop.
                    deps.saveState(STATE.finished, 'true');
                    return { done: true, value: 'ended' };
                }
                const events = target?.lifecycleEvents ?? [];
                // Every event over (Succeeded, or Skipped when it had nothing to run): only the blue termination wait is left.
                if (!seen.terminationWait && events.length > 0 && events.every((e) => isOver(e.status))) {
                    seen.terminationWait = true;
                    const minutes = plan.group.info.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess
                        ?.terminationWaitTimeInMinutes;
                    logger.info(`Production traffic is on green; CodeDeploy ends the deployment once the blue task set is terminated${minutes !== undefined ? ` (the group's termination wait: ${minutes} min)` : ''}. If timeout-minutes runs out during this wait, the action succeeds without stopping it.`);
                }
                if (status === 'Ready' && !seen.gate) {
                    seen.gate = true;
                    await readyGate(deps, plan, record, seen);
                }
                return { done: false };
            },
            onDeadline: () => {
                // Past AfterAllowTraffic, production already runs green: what is left is CodeDeploy's blue
                // termination wait. A rollback now would move production back for no fault, so the timeout
                // ends the watch with success instead and leaves CodeDeploy to finish (README: timeout-minutes).
                if (trafficShifted(last?.target)) {
                    record.finishingTermination = true;
                    deps.saveState(STATE.finished, 'true');
                    logger.info(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached during the blue termination wait: ${plan.taskDefinitionArn} already serves all production traffic, so the deployment is not stopped. CodeDeploy ends deployment ${id} once the blue task set is terminated.`);
                    return 'finishing';
                }
                throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
            },
        });
        if (outcome === 'finishing')
            return;
    }
    catch (error) {
        if (error instanceof CancelledError)
            return onCancel(deps, plan, record, error);
        if (error instanceof TimeoutError) {
            return stopAndFail(deps, plan, record, `Timed out: ${error.message} while the deployment was ${describeWhere(last)}`);
        }
        if (error instanceof ActionFailure)
            throw error;
        // Watching failed (e.g. AccessDenied on GetDeploymentTarget, retries exhausted), not the deployment:
        // say plainly that it goes on, and where to follow it. It is left running on purpose, so the post
        // step must not stop it either.
        deps.saveState(STATE.finished, 'true');
        throw new ActionFailure(`Deployment ${id} is still ${record.status ?? 'starting'} and continues without this action: ${deploymentConsoleUrl(deps.region, id)}\nThe action stopped watching it because: ${error.message}`);
    }
    if (deploymentProgress(record.status) === 'done') {
        logger.info(`Deployment ${id} succeeded: ${plan.taskDefinitionArn} serves production traffic.`);
        return;
    }
    // Failed or Stopped (by someone else, or by an alarm): explain, after the rollback ran.
    const rollbackId = last?.info.rollbackInfo?.rollbackDeploymentId;
    if (rollbackId) {
        record.rollbackId = rollbackId;
        record.rollbackStatus = await waitForEnd(deps, rollbackId, Math.min(ROLLBACK_WAIT_MS, Math.max(plan.pollIntervalMs, plan.deadline - deps.clock.now())), deps.signal, Math.min(plan.pollIntervalMs, 2000));
    }
    throw new ActionFailure(await explainFailure(deps, plan, record, last));
}
async function readyGate(deps, plan, record, seen) {
    const ready = plan.group.info.blueGreenDeploymentConfiguration?.deploymentReadyOption;
    if (ready?.actionOnTimeout !== 'STOP_DEPLOYMENT')
        return;
    if (!plan.testUrl || !deps.checkTestTraffic) {
        if (!seen.manualWait) {
            deps.logger.info(`Deployment ${record.id} is Ready and waits up to ${ready.waitTimeInMinutes ?? 0} minutes for ContinueDeployment (the group's deploymentReadyOption is STOP_DEPLOYMENT; set test-url to let this action check the test listener and continue).`);
            seen.manualWait = true;
        }
        return;
    }
    deps.logger.info(`Test traffic gate: checking ${plan.testUrl} before production traffic moves.`);
    const result = await deps.checkTestTraffic(plan.testUrl, deps.signal);
    if (!result.passed) {
        await stopAndFail(deps, plan, record, `Test traffic checks against ${plan.testUrl} failed: ${result.message}`);
        return;
    }
    deps.logger.info(`Test traffic gate passed (${result.message}); continuing the deployment.`);
    await awsCall(`deployment ${record.id}`, () => deps.codedeploy.send(new ContinueDeploymentCommand({ deploymentId: record.id, deploymentWaitType: 'READY_WAIT' })));
}
function logLifecycle(deps, target, seen, record, hooks) {
    for (const event of target?.lifecycleEvents ?? []) {
        const name = event.lifecycleEventName ?? '?';
        const status = event.status ?? 'Pending';
        const row = { name, status, startTime: event.startTime, endTime: event.endTime };
        const index = record.lifecycle.findIndex((r) => r.name === name);
        if (index >= 0)
            record.lifecycle[index] = row;
        else
            record.lifecycle.push(row);
        if (seen.get(name) === status)
            continue;
        if (seen.get(name) === undefined && status === 'Pending') {
            seen.set(name, status);
            continue;
        }
        seen.set(name, status);
        const took = event.startTime && event.endTime
            ? ` (${formatDuration(event.endTime.getTime() - event.startTime.getTime())})`
            : '';
        const why = lifecycleEventProgress(status) === 'failed' && event.diagnostics?.message ? `: ${event.diagnostics.message}` : '';
        deps.logger.info(`  ${name}${hookNote(hooks, name)}: ${status}${took}${why}`);
    }
}
function logTraffic(deps, target, seen, record) {
    const sets = target?.taskSetsInfo ?? [];
    if (sets.length === 0)
        return;
    // The TargetLabel enum's wire values are `Blue` and `Green` (the API prose writes BLUE / GREEN).
    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_ECSTaskSet.html
    const weight = (label) => sets.filter((s) => s.taskSetLabel?.toUpperCase() === label).reduce((sum, s) => sum + (s.trafficWeight ?? 0), 0);
    const blue = Math.round(weight('BLUE'));
    const green = Math.round(weight('GREEN'));
    const line = `Traffic: blue ${blue}% | green ${green}%`;
    if (line === seen.traffic)
        return;
    seen.traffic = line;
    record.traffic.push({ time: new Date(deps.clock.now()), blue, green });
    deps.logger.info(line);
}
/** An event that is over without failing: Succeeded, or Skipped. */
function isOver(status) {
    return lifecycleEventProgress(status) === 'done';
}
/** AfterAllowTraffic is over: production traffic is on green; only the blue termination wait remains. */
function trafficShifted(target) {
    return (target?.lifecycleEvents ?? []).some((e) => e.lifecycleEventName === 'AfterAllowTraffic' && isOver(e.status));
}
/**
 * A status this code does not know (a value AWS added after it was written): the watch goes on,
 * led by the deployment's status, and says once what it saw.
 */
function sayUnknown(deps, id, info, target, said) {
    const seen = [
        ['deployment status', info.status, deploymentProgress(info.status)],
        ['target status', target?.status, targetProgress(target?.status)],
        ...(target?.lifecycleEvents ?? []).map((e) => [
            `${e.lifecycleEventName ?? '?'} status`,
            e.status,
            lifecycleEventProgress(e.status),
        ]),
    ];
    for (const [what, value, progress] of seen) {
        if (progress !== 'unknown' || value === undefined)
            continue;
        const key = `${what}=${value}`;
        if (said.has(key))
            continue;
        said.add(key);
        deps.logger.warning(`Deployment ${id}: unknown ${what} '${value}'; this action keeps watching until the deployment ends.`);
    }
}
function describeWhere(last) {
    if (!last)
        return 'being created';
    const events = last.target?.lifecycleEvents ?? [];
    const current = events.find((e) => e.status === 'InProgress') ?? [...events].reverse().find((e) => isOver(e.status));
    return `${last.info.status ?? 'Unknown'}${current ? ` (${current.lifecycleEventName} ${current.status})` : ''}`;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/create.ts
/**
 * Creating a CodeDeploy blue/green deployment of an ECS service: what to do about one already
 * running in the group, the inline AppSpec and the description, then the watch.
 */














/**
 * The AppSpec for an ECS blue/green deployment, as JSON (AppSpec accepts YAML or JSON).
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-ecs
 */
function appSpec(plan) {
    const properties = {
        TaskDefinition: plan.taskDefinitionArn,
        LoadBalancerInfo: { ContainerName: plan.containerName, ContainerPort: plan.containerPort },
    };
    if (plan.platformVersion)
        properties.PlatformVersion = plan.platformVersion;
    const content = JSON.stringify({
        version: 0.0,
        Resources: [{ TargetService: { Type: 'AWS::ECS::Service', Properties: properties } }],
        ...(plan.hooks?.length ? { Hooks: appSpecHooks(plan.hooks) } : {}),
    });
    return { content, sha256: createHash('sha256').update(content).digest('hex') };
}
/** CodeDeploy refuses a longer description (DescriptionTooLongException). https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html */
const MAX_DESCRIPTION_LENGTH = 100;
/**
 * `deploy-bluegreen web:42 app@sha256:0123456789ab`: the revision in full, the image shortened to
 * its last path segment and a 12-character digest, the whole cut to CodeDeploy's 100 characters.
 */
function deploymentDescription(taskDefinitionArn, image) {
    const revision = taskDefinitionArn.replace(/^arn:[^/]*task-definition\//, '');
    let shortImage = '';
    if (image) {
        const [name = '', digest] = image.split('@');
        const lastSegment = name.slice(name.lastIndexOf('/') + 1);
        const digestMatch = digest ? /^(sha256:[0-9a-f]{12})/.exec(digest) : null;
        shortImage = digest ? `${lastSegment}@${digestMatch ? digestMatch[1] : digest}` : lastSegment;
    }
    const text = `deploy-bluegreen ${revision}${shortImage ? ` ${shortImage}` : ''}`;
    return text.length <= MAX_DESCRIPTION_LENGTH ? text : `${text.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
}
/** Runs the whole deployment; resolves with the record when it Succeeded, throws ActionFailure otherwise. */
async function deployWithCodeDeploy(deps, plan, onRecord) {
    const { logger } = deps;
    const readyOption = plan.group.info.blueGreenDeploymentConfiguration?.deploymentReadyOption;
    if (plan.testUrl && readyOption?.actionOnTimeout !== 'STOP_DEPLOYMENT') {
        logger.warning(`test-url is set, but deployment group ${plan.group.name} shifts traffic without waiting (deploymentReadyOption ${readyOption?.actionOnTimeout ?? 'CONTINUE_DEPLOYMENT'}): the test-traffic checks cannot gate this deployment. Set the group's deploymentReadyOption.actionOnTimeout to STOP_DEPLOYMENT to use them.`);
    }
    let id;
    for (let attempt = 1; id === undefined; attempt++) {
        await settleActiveDeployments(deps, plan);
        try {
            id = await createDeployment(deps, plan);
        }
        catch (error) {
            // Another deployment started between our look and our create: deal with it as the input says.
            if (error instanceof AwsCallError && error.code === 'DeploymentLimitExceededException' && attempt < 3)
                continue;
            throw error;
        }
    }
    deps.saveState(STATE.kind, 'codedeploy');
    deps.saveState(STATE.id, id);
    deps.saveState(STATE.finished, 'false');
    const record = {
        kind: 'codedeploy',
        id,
        application: plan.group.application,
        deploymentGroup: plan.group.name,
        strategy: plan.deploymentConfig ?? plan.group.info.deploymentConfigName,
        lifecycle: [],
        traffic: [],
        startTime: new Date(deps.clock.now()),
    };
    onRecord?.(record);
    logger.info(`Created deployment ${id} (${plan.group.application}/${plan.group.name}).`);
    if (plan.wait === false)
        return leaveUnwatched(deps, record);
    try {
        await watch(deps, plan, record);
    }
    finally {
        record.endTime = new Date(deps.clock.now());
    }
    return record;
}
async function createDeployment(deps, plan) {
    const spec = appSpec(plan);
    const answer = await awsCall(`deployment group ${plan.group.application}/${plan.group.name}`, () => deps.codedeploy.send(new CreateDeploymentCommand({
        applicationName: plan.group.application,
        deploymentGroupName: plan.group.name,
        deploymentConfigName: plan.deploymentConfig,
        description: plan.description,
        revision: { revisionType: 'AppSpecContent', appSpecContent: spec },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    })));
    if (!answer.deploymentId)
        throw new ActionFailure('CreateDeployment returned no deployment id');
    return answer.deploymentId;
}
// ---------------------------------------------------------------------------------------------
// A deployment already running in the group
async function activeDeploymentIds(deps, group) {
    const answer = await read(deps, `deployment group ${group.application}/${group.name}`, (options) => deps.codedeploy.send(new ListDeploymentsCommand({
        applicationName: group.application,
        deploymentGroupName: group.name,
        includeOnlyStatuses: [...ACTIVE_STATUSES],
    }), options));
    return answer.deployments ?? [];
}
/**
 * Returns once no deployment is active in the group, acting on on-active-deployment; true when
 * there was one (the service may then run something else than before).
 */
async function settleActiveDeployments(deps, plan) {
    const stopped = new Set();
    const announced = new Set();
    // Rollback deployments: stopping one would abandon the rollback and leave the service half-way.
    const rollbacks = new Set();
    let first = '';
    return poll({
        ...untilTimeout(deps, plan),
        check: async () => {
            const active = await activeDeploymentIds(deps, plan.group);
            if (active.length === 0)
                return { done: true, value: announced.size > 0 };
            first = active[0];
            if (plan.onActiveDeployment === 'fail') {
                throw new ActionFailure(`Deployment ${first} is already active in deployment group ${plan.group.application}/${plan.group.name}, and on-active-deployment is 'fail'. Wait for it to finish, stop it, or set on-active-deployment to 'wait' or 'stop'.`);
            }
            for (const id of active) {
                if (plan.onActiveDeployment === 'stop' && !stopped.has(id) && !rollbacks.has(id)) {
                    // StopDeployment with auto-rollback starts a rollback deployment (creator codeDeployRollback)
                    // in the same group: it must finish, not be stopped in turn.
                    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html
                    const info = await getDeployment(deps, id);
                    if (info.creator === 'codeDeployRollback') {
                        rollbacks.add(id);
                    }
                    else {
                        deps.logger.info(`Stopping active deployment ${id} with rollback (on-active-deployment: stop).`);
                        await stopDeployment(deps, id);
                        stopped.add(id);
                        announced.add(id);
                        continue;
                    }
                }
                if (announced.has(id))
                    continue;
                if (rollbacks.has(id)) {
                    deps.logger.info(`Waiting for rollback deployment ${id} to finish (a rollback is never stopped).`);
                }
                else {
                    deps.logger.info(`Waiting for active deployment ${id} to finish (on-active-deployment: ${plan.onActiveDeployment}).`);
                }
                announced.add(id);
            }
            return { done: false };
        },
        onDeadline: () => {
            throw new ActionFailure(`Deployment ${first} was still active after ${formatDuration(plan.timeoutMs)} (timeout-minutes); no new deployment was created.`);
        },
    });
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy.ts
/**
 * A CodeDeploy blue/green deployment of an ECS service, from creation to its end: what to do
 * about one already running, the inline AppSpec, watching lifecycle events and traffic weights,
 * the test-traffic gate, and stopping with rollback on timeout, cancellation or failed checks.
 * One module per concern in codedeploy/ (create, watch, stop, explain); this is their public face.
 */






;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native-status.ts
/** ServiceDeploymentStatus. */
const ecs_native_status_DEPLOYMENT_STATUS = {
    PENDING: 'going',
    IN_PROGRESS: 'going',
    // A stop or rollback was asked for: it is still running until it ends in one of the failed states.
    STOP_REQUESTED: 'going',
    ROLLBACK_REQUESTED: 'going',
    ROLLBACK_IN_PROGRESS: 'going',
    SUCCESSFUL: 'done',
    STOPPED: 'failed',
    ROLLBACK_SUCCESSFUL: 'failed',
    ROLLBACK_FAILED: 'failed',
};
function ecs_native_status_classifyDeploymentStatus(status) {
    return ecs_native_status_DEPLOYMENT_STATUS[status ?? ''] ?? 'unknown';
}
/** The deployment is over (whatever the outcome) and nothing more will change. */
function ecs_native_status_deploymentEnded(status) {
    const verdict = ecs_native_status_classifyDeploymentStatus(status);
    return verdict === 'done' || verdict === 'failed';
}
/** DeploymentRolloutState (DescribeServices deployments[].rolloutState, ROLLING). */
const ROLLOUT_STATE = { IN_PROGRESS: 'going', COMPLETED: 'done', FAILED: 'failed' };
function ecs_native_status_classifyRolloutState(state) {
    // ECS leaves it out when the circuit breaker is off: the counts decide then.
    if (state === undefined)
        return 'going';
    return ROLLOUT_STATE[state] ?? 'unknown';
}
/**
 * ServiceDeploymentLifecycleStage in the order AWS documents; stages can pass between two polls,
 * so the watch compares positions. A stage never ends a deployment by itself (the status does),
 * so every known stage is 'going'.
 */
const LIFECYCLE_STAGES = (/* unused pure expression or super */ null && ([
    'RECONCILE_SERVICE',
    'PRE_SCALE_UP',
    'SCALE_UP',
    'POST_SCALE_UP',
    'TEST_TRAFFIC_SHIFT',
    'POST_TEST_TRAFFIC_SHIFT',
    'PRODUCTION_TRAFFIC_SHIFT',
    'POST_PRODUCTION_TRAFFIC_SHIFT',
    'BAKE_TIME',
    'CLEAN_UP',
]));
function ecs_native_status_stagePosition(stage) {
    return stage ? LIFECYCLE_STAGES.indexOf(stage) : -1;
}
function ecs_native_status_classifyLifecycleStage(stage) {
    return stage === undefined || ecs_native_status_stagePosition(stage) >= 0 ? 'going' : 'unknown';
}
/**
 * The test listener reaches green from TEST_TRAFFIC_SHIFT on ("The green service revision is
 * migrating from 0% to 100% of test traffic"): before that, checks of the test URL see blue.
 */
function ecs_native_status_testTrafficReachesGreen(stage) {
    return ecs_native_status_stagePosition(stage) >= ecs_native_status_stagePosition('TEST_TRAFFIC_SHIFT');
}
/**
 * A pause hook waiting for ContinueServiceDeployment, if the deployment is held by one.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
function ecs_native_status_awaitingPauseHook(deployment) {
    return (deployment.lifecycleHookDetails ?? []).find((hook) => hook.targetType === 'PAUSE' && hook.status === 'AWAITING_ACTION' && hook.hookId);
}
/** A traffic weight as ECS gives it (a Double, e.g. 2.5) without float noise. */
function ecs_native_status_percent(weight) {
    return `${Math.round(weight * 10) / 10}%`;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/calls.ts
/** The ECS service deployment calls: find, describe, continue, stop with ROLLBACK, wait for the end. */






/** ContinueServiceDeployment CONTINUE; a hook already answered (by a person, or its timeout) is not an error. */
async function calls_continueServiceDeployment(deps, arn, hookId) {
    try {
        await awsCall(`service deployment ${arn}`, () => deps.ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' }), {
            abortSignal: deps.signal,
        }));
    }
    catch (error) {
        if (deps.signal.aborted)
            throw cancelledFrom(deps.signal);
        if (!(error instanceof AwsCallError) || error.code !== 'InvalidParameterException')
            throw error;
        deps.logger.info(`Pause hook ${hookId} no longer awaits action (${error.message}); still watching.`);
    }
}
/** The service deployment UpdateService started: the newest one created since (allowing for clock skew). */
async function calls_findServiceDeployment(deps, plan, started) {
    return poll({
        clock: deps.clock,
        signal: deps.signal,
        deadline: Math.min(plan.deadline, deps.clock.now() + 60_000),
        intervalMs: Math.min(plan.pollIntervalMs, 2000),
        check: async () => {
            const answer = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new ListServiceDeploymentsCommand({ cluster: plan.cluster, service: plan.service }), {
                abortSignal: deps.signal,
            })).catch((error) => {
                if (deps.signal.aborted)
                    throw cancelledFrom(deps.signal);
                throw error;
            });
            const candidates = (answer.serviceDeployments ?? [])
                .filter((d) => (d.createdAt?.getTime() ?? 0) >= started - 120_000 || classifyDeploymentStatus(d.status) === 'going')
                .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
            const newest = candidates[0]?.serviceDeploymentArn;
            return newest ? { done: true, value: newest } : { done: false };
        },
        onDeadline: () => {
            throw new ActionFailure(`UpdateService did not start a service deployment in ${plan.cluster}/${plan.service} (ListServiceDeployments lists none).`);
        },
    });
}
async function calls_describeServiceDeployment(deps, arn, signal) {
    const answer = await awsCall(`service deployment ${arn}`, () => deps.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }), signal ? { abortSignal: signal } : {})).catch((error) => {
        if (signal?.aborted)
            throw cancelledFrom(signal);
        throw error;
    });
    const deployment = answer.serviceDeployments?.[0];
    if (!deployment) {
        throw new ActionFailure(`DescribeServiceDeployments found no ${arn}: ${answer.failures?.[0]?.reason ?? 'MISSING'}`);
    }
    return deployment;
}
/** StopServiceDeployment ROLLBACK; with a `bound` (STOP_ON_CANCEL), each attempt is aborted after that long and tried again. */
async function calls_stopServiceDeployment(deps, arn, bound) {
    // Already over (ECS answers ConflictException / InvalidParameterException): nothing to stop.
    const alreadyOver = (error) => error instanceof aws/* AwsCallError */.iQ && ['ConflictException', 'InvalidParameterException'].includes(error.code ?? '');
    try {
        await callWithin((options) => (0,aws/* awsCall */.uF)(`service deployment ${arn}`, () => deps.ecs.send(new client_ecs_dist_cjs/* StopServiceDeploymentCommand */.a8L({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }), options)), { bound, clock: deps.clock, final: alreadyOver });
    }
    catch (error) {
        if (alreadyOver(error))
            return;
        throw error;
    }
}
async function calls_waitForServiceDeploymentEnd(deps, arn, budgetMs, signal, intervalMs) {
    try {
        return await followStatus({
            clock: deps.clock,
            signal,
            budgetMs,
            intervalMs,
            status: 'UNKNOWN',
            read: async (callSignal) => (await calls_describeServiceDeployment(deps, arn, callSignal)).status ?? 'UNKNOWN',
            ended: deploymentEnded,
        });
    }
    catch (error) {
        if (error instanceof CancelledError)
            return 'still rolling back when the action was cancelled';
        throw error;
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/hooks.ts







/**
 * A pause hook holds the deployment until ContinueServiceDeployment (or its timeout). With
 * test-url the test-traffic gate decides: CONTINUE when the checks pass, StopServiceDeployment
 * ROLLBACK with their message when they fail. Without it nothing here can decide, and waiting
 * would only run out the timeout: fail at once, saying how to continue by hand.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
async function hooks_passPauseHook(deps, plan, record, deployment, hook) {
    const stage = deployment.lifecycleStage ?? 'an unnamed stage';
    const where = `pause hook ${hook.hookId} at lifecycle stage ${stage}`;
    const expiry = hook.expiresAt
        ? ` until ${hook.expiresAt.toISOString()}, then ECS takes its timeout action ${hook.timeoutAction ?? 'ROLLBACK'}`
        : '';
    deps.logger.info(`Service deployment ${record.id} is paused at ${where}${expiry}.`);
    if (!plan.testUrl || !deps.checkTestTraffic) {
        // Left to a person: the post step must not stop it.
        deps.saveState(STATE.finished, 'true');
        record.status = 'AWAITING_ACTION';
        throw new ActionFailure(continueByHand(deps.region, plan, record.id, where, hook.hookId, expiry));
    }
    if (!testTrafficReachesGreen(deployment.lifecycleStage)) {
        deps.logger.warning(`At ${stage} the test listener still sends every request to the running revision: the checks of ${plan.testUrl} do not reach the new one. A pause hook at POST_TEST_TRAFFIC_SHIFT tests the new revision.`);
    }
    deps.logger.info(`Test traffic gate: checking ${plan.testUrl} at ${where}.`);
    const result = await deps.checkTestTraffic(plan.testUrl, deps.signal);
    if (result.passed) {
        deps.logger.info(`Test traffic checks passed (${result.message}): continuing the service deployment.`);
        await continueServiceDeployment(deps, record.id, hook.hookId);
        return;
    }
    const why = `Test traffic checks against ${plan.testUrl} failed at ${where}: ${result.message}`;
    record.stoppedBecause = why;
    deps.logger.info(`${why}. Stopping service deployment ${record.id} with ROLLBACK.`);
    await stopServiceDeployment(deps, record.id);
    deps.saveState(STATE.finished, 'true');
    const outcome = await waitForServiceDeploymentEnd(deps, record.id, ROLLBACK_WAIT_MS, deps.signal, Math.min(plan.pollIntervalMs, 2000));
    record.status = outcome;
    throw new ActionFailure(`${why}. Stopped service deployment ${record.id} with ROLLBACK: ${deploymentEnded(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${formatDuration(ROLLBACK_WAIT_MS)}; follow it in the console`}.`);
}
function continueByHand(region, plan, arn, where, hookId, expiry) {
    const console = serviceDeploymentsConsoleUrl(region, plan);
    return [
        `Service deployment ${arn} is paused at ${where}${expiry}.`,
        'This action continues a pause hook only after its test-traffic checks pass, and test-url is not set.',
        'Continue (or roll back) by hand:',
        `  aws ecs continue-service-deployment --region ${region} --service-deployment-arn ${arn} --hook-id ${hookId} --action CONTINUE`,
        `  or in the console: ${console} (Deployments, Take action, Continue or Roll back).`,
        'Or set test-url to the test listener URL so this action checks the new revision and continues by itself.',
    ].join('\n');
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/bluegreen.ts










async function bluegreen_watchServiceDeployment(deps, plan, record, started) {
    const seen = { status: '', stage: -1, traffic: '', unknown: new Set(), hooks: new Set() };
    let last;
    try {
        // Older APIs (or answers) may not name it in UpdateService: find it by time then.
        if (!record.id)
            rememberServiceDeployment(deps, plan, record, await findServiceDeployment(deps, plan, started));
        const arn = record.id;
        const look = async () => {
            last = await describeServiceDeployment(deps, arn, deps.signal);
            observe(deps, last, seen, record);
            if (deploymentEnded(last.status))
                return { done: true, value: last };
            const paused = awaitingPauseHook(last);
            if (paused && !seen.hooks.has(paused.hookId)) {
                seen.hooks.add(paused.hookId);
                await passPauseHook(deps, plan, record, last, paused);
                // The hook was answered: look again at once, not an interval later.
                return look();
            }
            return { done: false };
        };
        last = await poll({
            ...untilTimeout(deps, plan),
            check: look,
            onDeadline: () => {
                throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
            },
        });
    }
    catch (error) {
        if (!(error instanceof CancelledError || error instanceof TimeoutError) || !record.id) {
            // The watch broke (not a cancel or timeout): the deployment goes on by itself, and the post
            // step must not roll it back.
            if (record.id && !(error instanceof ActionFailure)) {
                deps.saveState(STATE.finished, 'true');
                throw new ActionFailure(`Watching service deployment ${record.id} failed (${error.message}); the deployment goes on without this action. Follow it in the console: ${serviceDeploymentsConsoleUrl(deps.region, plan)}`);
            }
            throw error;
        }
        const where = `${last?.status ?? 'PENDING'}${last?.lifecycleStage ? ` in ${last.lifecycleStage}` : ''}`;
        const cancelled = error instanceof CancelledError;
        const why = cancelled
            ? `${error.message} while service deployment ${record.id} was ${where}`
            : `Timed out: ${error.message} while service deployment ${record.id} was ${where}`;
        record.stoppedBecause = why;
        if (cancelled && !plan.rollbackOnCancel) {
            deps.saveState(STATE.finished, 'true');
            throw new ActionFailure(`${why}. rollback-on-cancel is false: the deployment goes on without this action.`);
        }
        deps.logger.info(`${why}: stopping it with ROLLBACK.`);
        const stoppingAt = deps.clock.now();
        try {
            // On cancel each attempt is bounded (and tried once more) to fit the runner's kill window.
            await stopServiceDeployment(deps, record.id, cancelled ? STOP_ON_CANCEL : undefined);
        }
        catch (stopError) {
            // The state still says "not finished": the post step (post-if: always()) tries the stop again,
            // whatever rollback-on-cancel says when this stop was a timeout's.
            if (!cancelled)
                deps.saveState(STATE.stopFailed, 'true');
            throw new ActionFailure(`${why}. StopServiceDeployment failed (${stopError.message}): service deployment ${record.id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: ${serviceDeploymentsConsoleUrl(deps.region, plan)}`);
        }
        deps.saveState(STATE.finished, 'true');
        const budget = cancelled ? Math.max(0, CANCEL_BUDGET_MS - (deps.clock.now() - stoppingAt)) : ROLLBACK_WAIT_MS;
        const outcome = await waitForServiceDeploymentEnd(deps, record.id, budget, cancelled ? undefined : deps.signal, Math.min(plan.pollIntervalMs, cancelled ? 500 : 2000));
        record.status = outcome;
        throw new ActionFailure(`${why}. Stopped it with ROLLBACK: ${deploymentEnded(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${formatDuration(budget)}; follow it in the console`}.`);
    }
    deps.saveState(STATE.finished, 'true');
    if (last.status === 'SUCCESSFUL') {
        deps.logger.info(`Service deployment succeeded: ${plan.taskDefinitionArn} serves production traffic.`);
        return;
    }
    const lines = [
        `Service deployment ${record.id} ended ${last.status}${last.lifecycleStage ? ` in lifecycle stage ${last.lifecycleStage}` : ''}${last.statusReason ? `: ${last.statusReason}` : ''}.`,
    ];
    if (last.rollback)
        lines.push(`Rollback: ${last.rollback.reason ?? 'no reason given'}.`);
    lines.push(...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)));
    throw new ActionFailure(lines.join('\n'));
}
function observe(deps, deployment, seen, record) {
    const status = deployment.status ?? 'UNKNOWN';
    record.status = status;
    if (status !== seen.status) {
        deps.logger.info(`Service deployment: ${status}${deployment.statusReason ? ` (${deployment.statusReason})` : ''}`);
        seen.status = status;
    }
    // A value newer than this code: say so once, and keep watching until a known end or the timeout.
    for (const [what, value, verdict] of [
        ['status', status, classifyDeploymentStatus(status)],
        ['lifecycle stage', deployment.lifecycleStage, classifyLifecycleStage(deployment.lifecycleStage)],
    ]) {
        if (verdict === 'unknown' && value && !seen.unknown.has(value)) {
            seen.unknown.add(value);
            deps.logger.warning(`Service deployment ${what} ${value} is unknown to this action: still watching until it ends or timeout-minutes runs out.`);
        }
    }
    for (const hook of deployment.lifecycleHookDetails ?? []) {
        // Lambda hooks answer ECS themselves: report them, the deployment moves on when they do.
        if (hook.targetType === 'PAUSE' || !hook.hookId || seen.hooks.has(`${hook.hookId}:${hook.status}`))
            continue;
        seen.hooks.add(`${hook.hookId}:${hook.status}`);
        deps.logger.info(`  Lifecycle hook ${hook.targetArn ?? hook.hookId} (${hook.targetType ?? 'AWS_LAMBDA'}) at ${deployment.lifecycleStage ?? 'this stage'}: ${hook.status}`);
    }
    const position = stagePosition(deployment.lifecycleStage);
    // A rollback walks the stages again: log it as a new stage even though its position is lower.
    const rollingBack = status.startsWith('ROLLBACK');
    if (position > seen.stage || (rollingBack && position !== seen.stage && position >= 0)) {
        const now = new Date(deps.clock.now());
        const previous = record.lifecycle[record.lifecycle.length - 1];
        if (previous && !previous.endTime) {
            previous.endTime = now;
            previous.status = 'Succeeded';
        }
        const name = `${rollingBack ? 'Rollback: ' : ''}${deployment.lifecycleStage}`;
        record.lifecycle.push({ name, status: 'InProgress', startTime: now });
        deps.logger.info(`  ${name}`);
        seen.stage = position;
    }
    if (deploymentEnded(status)) {
        const current = record.lifecycle[record.lifecycle.length - 1];
        if (current && !current.endTime) {
            current.endTime = new Date(deps.clock.now());
            current.status = status === 'SUCCESSFUL' ? 'Succeeded' : status;
        }
    }
    const green = deployment.targetServiceRevision?.requestedProductionTrafficWeight;
    if (green !== undefined) {
        const blue = (deployment.sourceServiceRevisions ?? []).reduce((s, r) => s + (r.requestedProductionTrafficWeight ?? 0), 0);
        const line = `Traffic: blue ${percent(blue)} | green ${percent(green)}`;
        if (line !== seen.traffic) {
            seen.traffic = line;
            const tenth = (n) => Math.round(n * 10) / 10;
            record.traffic.push({ time: new Date(deps.clock.now()), blue: tenth(blue), green: tenth(green) });
            deps.logger.info(line);
        }
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/rolling.ts
/** ROLLING: wait until the service is stable; fail when the deployment circuit breaker rolled it back. */








async function rolling_watchRolling(deps, plan, record) {
    const seen = { line: '', unknown: new Set() };
    try {
        await poll({
            ...untilTimeout(deps, plan),
            check: async () => {
                const answer = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new DescribeServicesCommand({ cluster: plan.cluster, services: [plan.service] }), {
                    abortSignal: deps.signal,
                })).catch((error) => {
                    if (deps.signal.aborted)
                        throw cancelledFrom(deps.signal);
                    throw error;
                });
                const service = answer.services?.[0];
                const deployments = service?.deployments ?? [];
                const primary = deployments.find((d) => d.status === 'PRIMARY');
                record.id = primary?.id ?? record.id;
                const line = `Rolling: ${primary?.runningCount ?? 0}/${primary?.desiredCount ?? 0} new tasks running, ${deployments.length - 1} older deployment(s) draining${primary?.rolloutState ? `, ${primary.rolloutState}` : ''}`;
                if (line !== seen.line) {
                    deps.logger.info(line);
                    seen.line = line;
                }
                record.status = primary?.rolloutState ?? 'IN_PROGRESS';
                const rollout = classifyRolloutState(primary?.rolloutState);
                if (rollout === 'unknown' && !seen.unknown.has(primary.rolloutState)) {
                    seen.unknown.add(primary.rolloutState);
                    deps.logger.warning(`Rollout state ${primary.rolloutState} is unknown to this action: still watching until the service is stable or timeout-minutes runs out.`);
                }
                if (primary && primary.taskDefinition !== plan.taskDefinitionArn) {
                    // The circuit breaker rolled back: the primary deployment runs an older revision again.
                    throw new ActionFailure([
                        `The deployment circuit breaker rolled ${plan.cluster}/${plan.service} back to ${primary.taskDefinition}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}.`,
                        ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
                    ].join('\n'));
                }
                if (primary && rollout === 'failed') {
                    throw new ActionFailure([
                        `Deployment ${primary.id} of ${plan.cluster}/${plan.service} FAILED: ${primary.rolloutStateReason ?? 'no reason given'}.`,
                        ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
                    ].join('\n'));
                }
                const stable = primary !== undefined &&
                    deployments.length === 1 &&
                    primary.runningCount === primary.desiredCount &&
                    (primary.rolloutState === undefined || rollout === 'done');
                if (!stable)
                    return { done: false };
                record.status = 'COMPLETED';
                deps.logger.info(`Service ${plan.cluster}/${plan.service} is stable on ${plan.taskDefinitionArn}.`);
                return { done: true, value: undefined };
            },
            onDeadline: () => {
                throw new TimeoutError(`timeout-minutes (${formatDuration(plan.timeoutMs)}) reached`);
            },
        });
    }
    catch (error) {
        if (!(error instanceof CancelledError || error instanceof TimeoutError))
            throw error;
        const cancelled = error instanceof CancelledError;
        const why = `${cancelled ? error.message : `Timed out: ${error.message}`} while ${plan.cluster}/${plan.service} was rolling out`;
        record.stoppedBecause = why;
        if ((cancelled && !plan.rollbackOnCancel) || !plan.previousTaskDefinitionArn) {
            throw new ActionFailure(`${why}. The rolling deployment goes on without this action.`);
        }
        await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new UpdateServiceCommand({
            cluster: plan.cluster,
            service: plan.service,
            taskDefinition: plan.previousTaskDefinitionArn,
        })));
        throw new ActionFailure(`${why}. Rolled the service back to ${plan.previousTaskDefinitionArn} (UpdateService).`);
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native.ts
/**
 * Services with the ECS deployment controller. BLUE_GREEN, LINEAR and CANARY: UpdateService, then
 * watch the service deployment through its lifecycle stages and traffic steps; at a pause hook run
 * the test-traffic gate and continue or roll back; stop with ROLLBACK on timeout or cancel.
 * ROLLING: UpdateService, wait until the service is stable, fail when the deployment circuit
 * breaker rolled it back.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-blue-green.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-linear.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/canary-deployment.html
 * The watches, the pause hook and the calls live in ecs-native/; this starts the deployment.
 */









async function deployWithEcs(deps, plan, onRecord) {
    const started = deps.clock.now();
    const updated = await awsCall(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new UpdateServiceCommand({
        cluster: plan.cluster,
        service: plan.service,
        taskDefinition: plan.taskDefinitionArn,
        ...(plan.desiredCount !== undefined ? { desiredCount: plan.desiredCount } : {}),
        ...(plan.forceNewDeployment ? { forceNewDeployment: true } : {}),
        ...(plan.enableEcsManagedTags !== undefined ? { enableECSManagedTags: plan.enableEcsManagedTags } : {}),
        ...(plan.propagateTags !== undefined ? { propagateTags: plan.propagateTags } : {}),
    })));
    deps.logger.info(`Updated service ${plan.cluster}/${plan.service} to ${plan.taskDefinitionArn} (${plan.strategy}).`);
    const record = {
        kind: 'ecs',
        id: '',
        strategy: plan.strategy,
        lifecycle: [],
        traffic: [],
        startTime: new Date(started),
    };
    // UpdateService names the service deployment it started: remember it at once, so a cancel or
    // timeout from here on can still stop it (here, or in the post step).
    // https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html (currentServiceDeployment)
    if (plan.wait === false) {
        onRecord?.(record);
        return leaveEcsUnwatched(deps, plan, record, updated.service);
    }
    const current = plan.strategy === 'ROLLING' ? undefined : updated.service?.currentServiceDeployment;
    if (current)
        rememberServiceDeployment(deps, plan, record, current);
    onRecord?.(record);
    try {
        if (plan.strategy === 'ROLLING')
            await watchRolling(deps, plan, record);
        else
            await watchServiceDeployment(deps, plan, record, started);
    }
    finally {
        record.endTime = new Date(deps.clock.now());
    }
    return record;
}

// EXTERNAL MODULE: ./actions/deploy-bluegreen/src/saved-state.ts
var saved_state = __webpack_require__(7604);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/cleanup.ts
/**
 * The post step's work (runs with `post-if: always()`): a deployment the main step started and did
 * not see finish (killed on cancel, or its own StopDeployment failed on timeout) is stopped now with
 * rollback. When the saved state says it finished, the post step makes no call and logs nothing.
 */








const ECS_ACTIVE = ['PENDING', 'IN_PROGRESS'];
/** The post step runs in a cancelled job: every call is bounded (lib/cancel.ts withTimeout), none can hang it. */
const LOOK_CALL_MS = 2_000;
/** Returns what it did, in one line. */
async function stopLeftoverDeployment(state, clients, logger, clock = cancel/* systemClock */.ml) {
    if (!state.id || state.finished === 'true')
        return saved_state/* NOTHING_TO_DO */.U;
    if (state.rollbackOnCancel === 'false' && state.stopFailed !== 'true') {
        return `Deployment ${state.id} may still be running; rollback-on-cancel is false, so it is left alone.`;
    }
    if (state.kind === 'ecs') {
        const answer = await (0,aws/* awsCall */.uF)(`service deployment ${state.id}`, () => clients.ecs.send(new client_ecs_dist_cjs/* DescribeServiceDeploymentsCommand */.A6p({ serviceDeploymentArns: [state.id] }), {
            abortSignal: (0,cancel/* withTimeout */.wj)(undefined, LOOK_CALL_MS, clock),
        }));
        const status = answer.serviceDeployments?.[0]?.status ?? 'UNKNOWN';
        if (!ECS_ACTIVE.includes(status))
            return `Service deployment ${state.id} is ${status}: nothing to stop.`;
        logger.info(`Service deployment ${state.id} is still ${status}: stopping it with ROLLBACK.`);
        await calls_stopServiceDeployment({ ...clients, clock }, state.id, bounded_STOP_ON_CANCEL);
        return `Stopped service deployment ${state.id} with ROLLBACK (the main step did not see it finish).`;
    }
    const answer = await (0,aws/* awsCall */.uF)(`deployment ${state.id}`, () => clients.codedeploy.send(new dist_cjs/* GetDeploymentCommand */.Tvn({ deploymentId: state.id }), {
        abortSignal: (0,cancel/* withTimeout */.wj)(undefined, LOOK_CALL_MS, clock),
    }));
    const status = answer.deploymentInfo?.status ?? 'Unknown';
    if (!codedeploy_states_ACTIVE_STATUSES.includes(status)) {
        return `Deployment ${state.id} is ${status}: nothing to stop.`;
    }
    logger.info(`Deployment ${state.id} is still ${status}: stopping it with rollback.`);
    await stop_stopDeployment({ ...clients, clock }, state.id, bounded_STOP_ON_CANCEL);
    return `Stopped deployment ${state.id} with rollback (the main step did not see it finish).`;
}
/** How long the post step follows the rollback it started before it reports what it saw. */
const FOLLOW_ROLLBACK_MS = 8_000;
const FOLLOW_INTERVAL_MS = 500;
/**
 * After a stop: where the rollback got within FOLLOW_ROLLBACK_MS, in one phrase. CodeDeploy names
 * the rollback in the stopped deployment's rollbackInfo (API model: RollbackInfo); an ECS service
 * deployment stopped with ROLLBACK ends ROLLBACK_SUCCESSFUL or ROLLBACK_FAILED (API model:
 * ServiceDeploymentStatus).
 */
async function followRollback(state, clients, clock, budgetMs = FOLLOW_ROLLBACK_MS) {
    const following = { clock, timeoutMs: budgetMs, intervalMs: FOLLOW_INTERVAL_MS, perCallMs: LOOK_CALL_MS };
    try {
        if (state.kind === 'ecs') {
            let status = 'UNKNOWN';
            return await (0,cancel/* poll */.wt)({
                ...following,
                check: async (signal) => {
                    const answer = await (0,aws/* awsCall */.uF)(`service deployment ${state.id}`, () => clients.ecs.send(new client_ecs_dist_cjs/* DescribeServiceDeploymentsCommand */.A6p({ serviceDeploymentArns: [state.id] }), {
                        abortSignal: signal,
                    }));
                    status = answer.serviceDeployments?.[0]?.status ?? 'UNKNOWN';
                    if (status === 'ROLLBACK_SUCCESSFUL') {
                        return { done: true, value: { done: true, phrase: 'rolled back, the previous revision serves' } };
                    }
                    if (status === 'ROLLBACK_FAILED') {
                        return { done: true, value: { done: false, phrase: 'the rollback FAILED — check the service now' } };
                    }
                    return { done: false };
                },
                onDeadline: () => ({ done: false, phrase: `still ${status} — follow the rollback in the console` }),
            });
        }
        let rollbackId;
        let status = 'Unknown';
        return await (0,cancel/* poll */.wt)({
            ...following,
            check: async (signal) => {
                const id = rollbackId ?? state.id;
                const info = (await (0,aws/* awsCall */.uF)(`deployment ${id}`, () => clients.codedeploy.send(new dist_cjs/* GetDeploymentCommand */.Tvn({ deploymentId: id }), { abortSignal: signal }))).deploymentInfo;
                if (!rollbackId) {
                    rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
                    if (!rollbackId && info?.status && !codedeploy_states_ACTIVE_STATUSES.includes(info.status)) {
                        const phrase = `it ended ${info.status} with no rollback deployment — check the service`;
                        return { done: true, value: { done: false, phrase } };
                    }
                    return { done: false };
                }
                status = info?.status ?? 'Unknown';
                if (status === 'Succeeded') {
                    return {
                        done: true,
                        value: { done: true, phrase: `rolled back (rollback deployment ${rollbackId} Succeeded)` },
                    };
                }
                if (!codedeploy_states_ACTIVE_STATUSES.includes(status)) {
                    const phrase = `rollback deployment ${rollbackId} ended ${status} — check the service now`;
                    return { done: true, value: { done: false, phrase } };
                }
                return { done: false };
            },
            onDeadline: () => ({
                done: false,
                phrase: rollbackId
                    ? `rollback deployment ${rollbackId} still ${status} — follow it in the console`
                    : 'no rollback deployment yet — follow the deployment in the console',
            }),
        });
    }
    catch (error) {
        return { done: false, phrase: `could not follow the rollback (${error.message})` };
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/cleanup.lazy.ts
/**
 * What the post step needs only when a deployment may still be running: the AWS clients and
 * cleanup.ts. post-main.ts loads this module with import(), so a job that ended cleanly (most of
 * them) loads no AWS SDK in its post step.
 */





/***/ })

};
