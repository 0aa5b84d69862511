export const id = 241;
export const ids = [241];
export const modules = {

/***/ 1241:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  CloudWatchLogsClient: () => (/* reexport */ dist_cjs/* CloudWatchLogsClient */.TFr),
  CodeDeployClient: () => (/* reexport */ client_codedeploy_dist_cjs/* CodeDeployClient */.cHd),
  ECSClient: () => (/* reexport */ client_ecs_dist_cjs/* ECSClient */.Zgc),
  ElasticLoadBalancingV2Client: () => (/* reexport */ client_elastic_load_balancing_v2_dist_cjs/* ElasticLoadBalancingV2Client */.MlD),
  checkTestTraffic: () => (/* reexport */ checkTestTraffic),
  deploy: () => (/* reexport */ deploy),
  newReport: () => (/* reexport */ newReport)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-cloudwatch-logs/dist-cjs/index.js
var dist_cjs = __webpack_require__(2684);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-codedeploy/dist-cjs/index.js
var client_codedeploy_dist_cjs = __webpack_require__(7507);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-ecs/dist-cjs/index.js
var client_ecs_dist_cjs = __webpack_require__(212);
// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-elastic-load-balancing-v2/dist-cjs/index.js
var client_elastic_load_balancing_v2_dist_cjs = __webpack_require__(586);
// EXTERNAL MODULE: ./lib/errors.ts
var errors = __webpack_require__(8115);
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
const deploymentProgress = classify(DEPLOYMENT_STATUS);
const lifecycleEventProgress = classify(LIFECYCLE_EVENT_STATUS);
const targetProgress = classify(TARGET_STATUS);
/** Statuses of a deployment that has not ended (ListDeployments includeOnlyStatuses, the post step). */
const ACTIVE_STATUSES = Object.keys(DEPLOYMENT_STATUS).filter((status) => DEPLOYMENT_STATUS[status] === 'going');

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
const CANCEL_BUDGET_MS = 5_000;
/** After a timeout or failure, how long to wait for the rollback deployment before reporting. */
const ROLLBACK_WAIT_MS = 5 * 60_000;
/** A stop on the cancel path: abandoned after STOP_CALL_MS and tried once more, to fit the kill window. */
const STOP_ON_CANCEL = { perCallMs: STOP_CALL_MS, attempts: 2 };
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
function untilTimeout(deps, plan) {
    return { clock: deps.clock, signal: deps.signal, deadline: plan.deadline, intervalMs: plan.pollIntervalMs };
}
/**
 * Reads a deployment's status until `ended` says it is over or `budgetMs` passes, and returns the
 * last status seen. Each read is bounded by what is left of the budget, so a slow or retried call
 * cannot overrun it: a read that runs out of time, or answers undefined, ends the wait with the
 * status seen before. CancelledError when `signal` aborts.
 */
function followStatus(opts) {
    let status = opts.status;
    return (0,cancel/* poll */.wt)({
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
                    throw (0,cancel/* cancelledFrom */.sp)(opts.signal);
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

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./lib/aws.ts + 1 modules
var aws = __webpack_require__(8351);
// EXTERNAL MODULE: ./lib/inputs.ts
var inputs = __webpack_require__(453);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/deps.ts
/** Keys shared with the post step. */
const STATE = {
    kind: 'deployment-kind',
    id: 'deployment-id',
    finished: 'deployment-finished',
    /** 'true' when the main step itself decided to stop it (timeout, failed checks) and the stop failed. */
    stopFailed: 'deployment-stop-failed',
};

// EXTERNAL MODULE: ./actions/deploy-bluegreen/src/hooks.ts
var src_hooks = __webpack_require__(6447);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/codedeploy/shared.ts

/** Succeeded, Failed or Stopped: the deployment is over, one way or the other. */
const ended = (status) => ['done', 'failed'].includes(deploymentProgress(status));
function deploymentConsoleUrl(region, id) {
    const r = encodeURIComponent(region);
    return `https://${r}.console.aws.amazon.com/codesuite/codedeploy/deployments/${encodeURIComponent(id)}?region=${r}`;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/plan.ts

/** The service's deployments in the ECS console. */
function serviceDeploymentsConsoleUrl(region, plan) {
    const r = encodeURIComponent(region);
    return `https://${r}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(plan.cluster)}/services/${encodeURIComponent(plan.service)}/deployments?region=${r}`;
}
function rememberServiceDeployment(deps, plan, record, arn) {
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






async function leaveUnwatched(deps, record) {
    deps.saveState(STATE.finished, 'true');
    record.notWatched = true;
    // One read for the status CodeDeploy gives it now (Created, Queued or InProgress).
    const answer = await (0,aws/* awsCall */.uF)(`deployment ${record.id}`, () => deps.codedeploy.send(new client_codedeploy_dist_cjs/* GetDeploymentCommand */.Tvn({ deploymentId: record.id })));
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
async function leaveEcsUnwatched(deps, plan, record, service) {
    deps.saveState(STATE.finished, 'true');
    record.notWatched = true;
    const arn = service?.currentServiceDeployment;
    if (arn) {
        record.id = arn;
        const answer = await (0,aws/* awsCall */.uF)(`service deployment ${arn}`, () => deps.ecs.send(new client_ecs_dist_cjs/* DescribeServiceDeploymentsCommand */.A6p({ serviceDeploymentArns: [arn] })));
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




async function read(deps, resource, call) {
    (0,cancel/* throwIfCancelled */.dZ)(deps.signal);
    try {
        return await (0,aws/* awsCall */.uF)(resource, () => call({ abortSignal: deps.signal }));
    }
    catch (error) {
        if (deps.signal.aborted)
            throw (0,cancel/* cancelledFrom */.sp)(deps.signal);
        throw error;
    }
}
async function getDeployment(deps, id) {
    const answer = await read(deps, `deployment ${id}`, (options) => deps.codedeploy.send(new client_codedeploy_dist_cjs/* GetDeploymentCommand */.Tvn({ deploymentId: id }), options));
    if (!answer.deploymentInfo)
        throw new errors/* ActionFailure */.dR(`GetDeployment returned nothing for ${id}`);
    return answer.deploymentInfo;
}
/** Errors that only mean "not there yet" while a deployment starts. */
const NOT_YET = ['DeploymentTargetDoesNotExistException', 'DeploymentNotStartedException'];
async function listTargets(deps, id) {
    try {
        const answer = await read(deps, `deployment ${id}`, (options) => deps.codedeploy.send(new client_codedeploy_dist_cjs/* ListDeploymentTargetsCommand */.$9V({ deploymentId: id }), options));
        return answer.targetIds ?? [];
    }
    catch (error) {
        if (error instanceof aws/* AwsCallError */.iQ && NOT_YET.includes(error.code ?? ''))
            return [];
        throw error;
    }
}
async function getTarget(deps, id, targetId) {
    try {
        const answer = await read(deps, `deployment target ${targetId} of ${id}`, (options) => deps.codedeploy.send(new client_codedeploy_dist_cjs/* GetDeploymentTargetCommand */.Oxg({ deploymentId: id, targetId }), options));
        return answer.deploymentTarget?.ecsTarget;
    }
    catch (error) {
        // The target appears a moment after the deployment is created.
        if (error instanceof aws/* AwsCallError */.iQ && NOT_YET.includes(error.code ?? ''))
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
async function stopDeployment(deps, id, bound) {
    const alreadyOver = (error) => error instanceof aws/* AwsCallError */.iQ && error.code === 'DeploymentAlreadyCompletedException';
    try {
        await callWithin((options) => (0,aws/* awsCall */.uF)(`deployment ${id}`, () => deps.codedeploy.send(new client_codedeploy_dist_cjs/* StopDeploymentCommand */.NzN({ deploymentId: id, autoRollbackEnabled: true }), options)), { bound, clock: deps.clock, final: alreadyOver });
    }
    catch (error) {
        // It ended by itself in the meantime: nothing to stop.
        if (alreadyOver(error))
            return;
        throw error;
    }
}
/** Timeout or failed checks: stop with rollback, wait for the rollback (bounded), fail saying what happened. */
async function stopAndFail(deps, plan, record, why) {
    record.stoppedBecause = why;
    // Logged, not annotated: the ActionFailure thrown below is this failure's one annotation.
    deps.logger.info(why);
    deps.logger.info(`Stopping deployment ${record.id} with rollback.`);
    try {
        await stopDeployment(deps, record.id);
    }
    catch (error) {
        // The state still says "not finished", so the post step (post-if: always()) tries the stop again,
        // whatever rollback-on-cancel says: this stop was not about a cancellation.
        deps.saveState(STATE.stopFailed, 'true');
        throw new errors/* ActionFailure */.dR(`${why}. StopDeployment failed (${error.message}): deployment ${record.id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: ${deploymentConsoleUrl(deps.region, record.id)}`);
    }
    // Stopped: CodeDeploy rolls back on its own, nothing is left for the post step.
    deps.saveState(STATE.finished, 'true');
    const outcome = await rollbackOutcome(deps, record, ROLLBACK_WAIT_MS, deps.signal, Math.min(plan.pollIntervalMs, 2000));
    throw new errors/* ActionFailure */.dR(`${why}. Stopped deployment ${record.id} with rollback: ${outcome}.`);
}
async function onCancel(deps, plan, record, error) {
    const why = `${error.message} while deployment ${record.id} was ${record.status ?? 'starting'}`;
    record.stoppedBecause = why;
    if (!plan.rollbackOnCancel) {
        deps.saveState(STATE.finished, 'true');
        throw new errors/* ActionFailure */.dR(`${why}. rollback-on-cancel is false: the deployment goes on without this action.`);
    }
    deps.logger.info(`${why}: stopping it with rollback.`);
    const cancelledAt = deps.clock.now();
    try {
        await stopDeployment(deps, record.id, STOP_ON_CANCEL);
    }
    catch (error) {
        // The post step (post-if: always()) tries again: the state still says "not finished".
        throw new errors/* ActionFailure */.dR(`${why}. StopDeployment did not go through (${error.message}); the post step tries again. Check deployment ${record.id}: ${deploymentConsoleUrl(deps.region, record.id)}`);
    }
    deps.saveState(STATE.finished, 'true');
    // No signal here: it has already fired; each poll is bounded by what is left of the budget,
    // which keeps us inside the runner's kill deadline.
    const left = Math.max(0, CANCEL_BUDGET_MS - (deps.clock.now() - cancelledAt));
    const outcome = await rollbackOutcome(deps, record, left, undefined, 500);
    throw new errors/* ActionFailure */.dR(`${why}. Stopped deployment ${record.id} with rollback: ${outcome}.`);
}
/** Waits (bounded) for the stopped deployment and its rollback; one phrase saying where they got. */
async function rollbackOutcome(deps, record, budgetMs, signal, intervalMs) {
    const deadline = deps.clock.now() + budgetMs;
    try {
        const status = await waitForEnd(deps, record.id, budgetMs, signal, intervalMs);
        record.status = status;
        if (!ended(status))
            return `it was still ${status} after ${(0,inputs/* formatDuration */.a3)(budgetMs)}; follow it in the console`;
        const callSignal = (0,cancel/* withTimeout */.wj)(signal, Math.max(1, deadline - deps.clock.now()), deps.clock);
        const info = await getDeploymentWithin(deps, record.id, signal, callSignal);
        const rollbackId = info?.rollbackInfo?.rollbackDeploymentId;
        if (!rollbackId)
            return `it ended ${status}`;
        record.rollbackId = rollbackId;
        const rollbackStatus = await waitForEnd(deps, rollbackId, Math.max(0, deadline - deps.clock.now()), signal, intervalMs);
        record.rollbackStatus = rollbackStatus;
        return ended(rollbackStatus)
            ? `it ended ${status}, and rollback deployment ${rollbackId} ${rollbackStatus}${rollbackStatus === 'Succeeded' ? ' (the previous version serves all traffic)' : ''}`
            : `it ended ${status}; rollback deployment ${rollbackId} was still ${rollbackStatus} after ${(0,inputs/* formatDuration */.a3)(budgetMs)}`;
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
            return 'cancelled while waiting for the rollback; follow it in the console';
        return `could not follow the rollback (${error.message})`;
    }
}
/** Polls a deployment until it ends or `budgetMs` passes; returns its last status. */
async function waitForEnd(deps, id, budgetMs, signal, intervalMs) {
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
        ended: ended,
    });
}
/**
 * GetDeployment under `callSignal` (`signal` with a time bound): undefined when the bound ran out,
 * CancelledError when `signal` fired.
 */
async function getDeploymentWithin(deps, id, signal, callSignal) {
    try {
        const answer = await (0,aws/* awsCall */.uF)(`deployment ${id}`, () => deps.codedeploy.send(new client_codedeploy_dist_cjs/* GetDeploymentCommand */.Tvn({ deploymentId: id }), { abortSignal: callSignal }));
        return answer.deploymentInfo;
    }
    catch (error) {
        if (signal?.aborted)
            throw (0,cancel/* cancelledFrom */.sp)(signal);
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
async function explainStoppedTasks(deps, cluster, service, taskDefinitionArn, record) {
    const lines = [];
    try {
        const arns = await stoppedTaskArns(deps, cluster, service);
        const tasks = [];
        // DescribeTasks takes up to 100 tasks.
        for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
            const batch = arns.slice(i, i + DESCRIBE_BATCH);
            const described = await (0,aws/* awsCall */.uF)(`stopped tasks of ${cluster}/${service}`, () => deps.ecs.send(new client_ecs_dist_cjs/* DescribeTasksCommand */.z8X({ cluster, tasks: batch })));
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
        const answer = await (0,aws/* awsCall */.uF)(`service ${service} in cluster ${cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* DescribeServicesCommand */.H7c({ cluster, services: [service] })));
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
        const listed = await (0,aws/* awsCall */.uF)(`stopped tasks of ${cluster}/${service}`, () => deps.ecs.send(new client_ecs_dist_cjs/* ListTasksCommand */.MYg({ cluster, serviceName: service, desiredStatus: 'STOPPED', nextToken })));
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



async function explainFailure(deps, plan, record, last) {
    const info = last.info;
    const lines = [];
    const failed = (last.target?.lifecycleEvents ?? []).find((e) => lifecycleEventProgress(e.status) === 'failed');
    lines.push(`Deployment ${record.id} ${info.status}${failed ? ` in lifecycle event ${failed.lifecycleEventName}` : ''}.`);
    if (failed?.diagnostics?.message) {
        lines.push(`${failed.lifecycleEventName}${(0,src_hooks/* hookNote */.cy)(plan.hooks, failed.lifecycleEventName ?? '')}: ${failed.diagnostics.errorCode ?? 'error'}: ${failed.diagnostics.message}`);
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













async function watch(deps, plan, record) {
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
        const outcome = await (0,cancel/* poll */.wt)({
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
                    logger.info(`timeout-minutes (${(0,inputs/* formatDuration */.a3)(plan.timeoutMs)}) reached during the blue termination wait: ${plan.taskDefinitionArn} already serves all production traffic, so the deployment is not stopped. CodeDeploy ends deployment ${id} once the blue task set is terminated.`);
                    return 'finishing';
                }
                throw new errors/* TimeoutError */.MU(`timeout-minutes (${(0,inputs/* formatDuration */.a3)(plan.timeoutMs)}) reached`);
            },
        });
        if (outcome === 'finishing')
            return;
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
            return onCancel(deps, plan, record, error);
        if (error instanceof errors/* TimeoutError */.MU) {
            return stopAndFail(deps, plan, record, `Timed out: ${error.message} while the deployment was ${describeWhere(last)}`);
        }
        if (error instanceof errors/* ActionFailure */.dR)
            throw error;
        // Watching failed (e.g. AccessDenied on GetDeploymentTarget, retries exhausted), not the deployment:
        // say plainly that it goes on, and where to follow it. It is left running on purpose, so the post
        // step must not stop it either.
        deps.saveState(STATE.finished, 'true');
        throw new errors/* ActionFailure */.dR(`Deployment ${id} is still ${record.status ?? 'starting'} and continues without this action: ${deploymentConsoleUrl(deps.region, id)}\nThe action stopped watching it because: ${error.message}`);
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
    throw new errors/* ActionFailure */.dR(await explainFailure(deps, plan, record, last));
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
    await (0,aws/* awsCall */.uF)(`deployment ${record.id}`, () => deps.codedeploy.send(new client_codedeploy_dist_cjs/* ContinueDeploymentCommand */.Md$({ deploymentId: record.id, deploymentWaitType: 'READY_WAIT' })));
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
            ? ` (${(0,inputs/* formatDuration */.a3)(event.endTime.getTime() - event.startTime.getTime())})`
            : '';
        const why = lifecycleEventProgress(status) === 'failed' && event.diagnostics?.message ? `: ${event.diagnostics.message}` : '';
        deps.logger.info(`  ${name}${(0,src_hooks/* hookNote */.cy)(hooks, name)}: ${status}${took}${why}`);
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
        ...(plan.hooks?.length ? { Hooks: (0,src_hooks/* appSpecHooks */.Fg)(plan.hooks) } : {}),
    });
    return { content, sha256: (0,external_node_crypto_.createHash)('sha256').update(content).digest('hex') };
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
            if (error instanceof aws/* AwsCallError */.iQ && error.code === 'DeploymentLimitExceededException' && attempt < 3)
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
    const answer = await (0,aws/* awsCall */.uF)(`deployment group ${plan.group.application}/${plan.group.name}`, () => deps.codedeploy.send(new client_codedeploy_dist_cjs/* CreateDeploymentCommand */.ttP({
        applicationName: plan.group.application,
        deploymentGroupName: plan.group.name,
        deploymentConfigName: plan.deploymentConfig,
        description: plan.description,
        revision: { revisionType: 'AppSpecContent', appSpecContent: spec },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
    })));
    if (!answer.deploymentId)
        throw new errors/* ActionFailure */.dR('CreateDeployment returned no deployment id');
    return answer.deploymentId;
}
// ---------------------------------------------------------------------------------------------
// A deployment already running in the group
async function activeDeploymentIds(deps, group) {
    const answer = await read(deps, `deployment group ${group.application}/${group.name}`, (options) => deps.codedeploy.send(new client_codedeploy_dist_cjs/* ListDeploymentsCommand */.sr8({
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
    return (0,cancel/* poll */.wt)({
        ...untilTimeout(deps, plan),
        check: async () => {
            const active = await activeDeploymentIds(deps, plan.group);
            if (active.length === 0)
                return { done: true, value: announced.size > 0 };
            first = active[0];
            if (plan.onActiveDeployment === 'fail') {
                throw new errors/* ActionFailure */.dR(`Deployment ${first} is already active in deployment group ${plan.group.application}/${plan.group.name}, and on-active-deployment is 'fail'. Wait for it to finish, stop it, or set on-active-deployment to 'wait' or 'stop'.`);
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
            throw new errors/* ActionFailure */.dR(`Deployment ${first} was still active after ${(0,inputs/* formatDuration */.a3)(plan.timeoutMs)} (timeout-minutes); no new deployment was created.`);
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






// EXTERNAL MODULE: ./actions/deploy-bluegreen/src/taskdef.ts
var taskdef = __webpack_require__(2467);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/desired-definition.ts

/** A renderer that warns once per run about each environment variable ECS would drop. */
function desiredRenderer(config, deps) {
    const warned = new Set();
    return (base, source) => {
        const rendered = (0,taskdef/* renderTaskDefinition */.P9)(base, {
            containerName: config.containerName,
            image: config.image,
            environment: config.environment,
            executionRoleArn: config.executionRoleArn,
            taskRoleArn: config.taskRoleArn,
            logGroup: config.logGroup,
            region: deps.region,
            containerPort: config.containerPort,
            source,
        });
        // Left out before comparing and registering: ECS would drop them anyway, and keeping them
        // would make every run look like a change.
        const { definition, dropped } = (0,taskdef/* withoutEmptyEnvironment */.$L)(rendered);
        for (const name of dropped.filter((n) => !warned.has(n))) {
            warned.add(name);
            deps.logger.warning(`ECS does not keep ${name} with an empty value; left out`);
        }
        return definition;
    };
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/discovery.ts
/**
 * Reading what exists: the service and the definition it runs, the family's latest revision,
 * the CodeDeploy application and deployment group that own the service. Registration happens
 * here too, and only when no existing revision equals the desired definition.
 */





/**
 * DescribeServices reports an unknown service in `failures` with reason MISSING, not as an
 * error; an unknown cluster is ClusterNotFoundException.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeServices.html
 */
async function describeService(ecs, cluster, service) {
    const resource = `service ${service} in cluster ${cluster}`;
    let answer;
    try {
        answer = await (0,aws/* awsCall */.uF)(resource, () => ecs.send(new client_ecs_dist_cjs/* DescribeServicesCommand */.H7c({ cluster, services: [service] })));
    }
    catch (error) {
        if (error instanceof aws/* AwsCallError */.iQ && error.code === 'ClusterNotFoundException') {
            throw new errors/* ConfigurationError */.j1('cluster', cluster, `an existing ECS cluster (${error.message})`);
        }
        throw error;
    }
    const found = answer.services?.[0];
    if (!found) {
        const reason = answer.failures?.[0]?.reason ?? 'MISSING';
        throw new errors/* ConfigurationError */.j1('service', service, `an ACTIVE ECS service in cluster '${cluster}', but DescribeServices reports it ${reason}; check the service and cluster names (and the region)`);
    }
    if (found.status !== 'ACTIVE') {
        throw new errors/* ConfigurationError */.j1('service', service, `an ACTIVE ECS service in cluster '${cluster}', but its status is ${found.status ?? 'unknown'}`);
    }
    const controller = (found.deploymentController?.type ?? 'ECS');
    const running = controller === 'CODE_DEPLOY'
        ? (found.taskSets?.find((s) => s.status === 'PRIMARY')?.taskDefinition ?? found.taskDefinition)
        : found.taskDefinition;
    return {
        cluster,
        service,
        serviceArn: found.serviceArn ?? service,
        controller,
        strategy: controller === 'ECS' ? (found.deploymentConfiguration?.strategy ?? 'ROLLING') : undefined,
        runningTaskDefinitionArn: running,
        raw: found,
    };
}
/**
 * A task definition by ARN, family:revision or family (the latest ACTIVE revision); undefined
 * when there is none. ECS answers that with ClientException "Unable to describe task definition";
 * any other ClientException (e.g. a permission problem) is an error, never "not found".
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 */
async function findTaskDefinition(ecs, reference) {
    try {
        return await describeTaskDefinition(ecs, reference);
    }
    catch (error) {
        if (isTaskDefinitionNotFound(error))
            return undefined;
        throw error;
    }
}
/**
 * The definition a service runs: it must exist, so every error (not-found included) is rethrown.
 * Read with its tags, which DescribeTaskDefinition answers beside the definition only when asked
 * (`include: ["TAGS"]`); they are put where a template has them, so a change of tags is a change.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DescribeTaskDefinition.html
 */
async function describeTaskDefinition(ecs, reference) {
    const answer = await (0,aws/* awsCall */.uF)(`task definition ${reference}`, () => ecs.send(new client_ecs_dist_cjs/* DescribeTaskDefinitionCommand */.Zy$({ taskDefinition: reference, include: ['TAGS'] })));
    const definition = answer.taskDefinition;
    if (!definition?.taskDefinitionArn) {
        throw new errors/* ActionFailure */.dR(`DescribeTaskDefinition returned no task definition for ${reference}`);
    }
    const withTags = { ...definition };
    if (answer.tags?.length)
        withTags.tags = answer.tags;
    return { arn: definition.taskDefinitionArn, definition: withTags };
}
function isTaskDefinitionNotFound(error) {
    return (error instanceof aws/* AwsCallError */.iQ &&
        error.code === 'ClientException' &&
        /unable to describe task definition/i.test(error.message));
}
/**
 * Reuses the family's latest revision when it equals the desired definition, else registers.
 * `running`, when given and equal, short-cuts everything (the caller checks it first).
 */
async function registerIfNeeded(ecs, desired, logger, known) {
    const family = String(desired.family);
    // The running revision (`known`) was already compared by the caller.
    const latest = await findTaskDefinition(ecs, family);
    if (latest && latest.arn !== known?.arn && (0,taskdef/* sameTaskDefinition */.JL)(latest.definition, desired)) {
        logger.info(`The family's latest revision ${latest.arn} already equals the desired definition: reusing it.`);
        return { arn: latest.arn, registered: false, reused: true };
    }
    const arn = await registerTaskDefinition(ecs, desired, logger);
    return { arn, registered: true, reused: false };
}
async function registerTaskDefinition(ecs, desired, logger) {
    const family = String(desired.family);
    const answer = await (0,aws/* awsCall */.uF)(`task definition family ${family}`, () => ecs.send(new client_ecs_dist_cjs/* RegisterTaskDefinitionCommand */.$Hl(desired)));
    const arn = answer.taskDefinition?.taskDefinitionArn;
    if (!arn)
        throw new errors/* ActionFailure */.dR(`RegisterTaskDefinition for family ${family} returned no ARN`);
    logger.info(`Registered ${arn}.`);
    return arn;
}
const servesService = (info, cluster, service) => (info.ecsServices ?? []).some((s) => s.clusterName === cluster && s.serviceName === service);
/**
 * The deployment group that deploys cluster/service: the one named by the inputs (checked to
 * serve the service), or found among the ECS applications by its ecsServices.
 */
async function findDeploymentGroup(codedeploy, cluster, service, application, group) {
    if (application && group) {
        let info;
        try {
            info = (await (0,aws/* awsCall */.uF)(`deployment group ${group} of application ${application}`, () => codedeploy.send(new client_codedeploy_dist_cjs/* GetDeploymentGroupCommand */.WOp({ applicationName: application, deploymentGroupName: group })))).deploymentGroupInfo;
        }
        catch (error) {
            if (error instanceof aws/* AwsCallError */.iQ && error.code === 'ApplicationDoesNotExistException') {
                throw new errors/* ConfigurationError */.j1('codedeploy-application', application, `an existing CodeDeploy application`);
            }
            if (error instanceof aws/* AwsCallError */.iQ && error.code === 'DeploymentGroupDoesNotExistException') {
                throw new errors/* ConfigurationError */.j1('codedeploy-deployment-group', group, `a deployment group of application '${application}'`);
            }
            throw error;
        }
        if (!info || !servesService(info, cluster, service)) {
            throw new errors/* ConfigurationError */.j1('codedeploy-deployment-group', group, `a deployment group whose ECS service is ${cluster}/${service}; it deploys ${describeServices(info)}`);
        }
        return { application, name: group, info };
    }
    const applications = application ? [application] : await ecsApplications(codedeploy);
    const matches = [];
    for (const app of applications) {
        for (const info of await deploymentGroups(codedeploy, app, application !== undefined)) {
            if (servesService(info, cluster, service) && (!group || info.deploymentGroupName === group)) {
                matches.push({ application: app, name: info.deploymentGroupName ?? '', info });
            }
        }
    }
    if (matches.length === 1)
        return matches[0];
    const where = application ? `application '${application}'` : 'the ECS applications of this region';
    if (matches.length === 0) {
        const input = group ? 'codedeploy-deployment-group' : 'codedeploy-application';
        throw new errors/* ConfigurationError */.j1(input, group ?? application ?? '', `no CodeDeploy deployment group in ${where} deploys ${cluster}/${service}; set codedeploy-application and codedeploy-deployment-group`);
    }
    throw new errors/* ConfigurationError */.j1('codedeploy-deployment-group', group ?? '', `several deployment groups deploy ${cluster}/${service} (${matches.map((m) => `${m.application}/${m.name}`).join(', ')}); name one`);
}
function describeServices(info) {
    const list = (info?.ecsServices ?? []).map((s) => `${s.clusterName}/${s.serviceName}`);
    return list.length ? list.join(', ') : 'no ECS service';
}
async function ecsApplications(codedeploy) {
    const names = [];
    let nextToken;
    do {
        const page = await (0,aws/* awsCall */.uF)('CodeDeploy applications', () => codedeploy.send(new client_codedeploy_dist_cjs/* ListApplicationsCommand */.BJ_({ nextToken })));
        names.push(...(page.applications ?? []));
        nextToken = page.nextToken;
    } while (nextToken);
    const ecs = [];
    // BatchGetApplications takes at most 100 names.
    for (let i = 0; i < names.length; i += 100) {
        const batch = names.slice(i, i + 100);
        const answer = await (0,aws/* awsCall */.uF)('CodeDeploy applications', () => codedeploy.send(new client_codedeploy_dist_cjs/* BatchGetApplicationsCommand */.nsl({ applicationNames: batch })));
        for (const app of answer.applicationsInfo ?? []) {
            if (app.computePlatform === 'ECS' && app.applicationName)
                ecs.push(app.applicationName);
        }
    }
    return ecs;
}
async function deploymentGroups(codedeploy, application, named) {
    const names = [];
    let nextToken;
    do {
        let page;
        try {
            page = await (0,aws/* awsCall */.uF)(`deployment groups of application ${application}`, () => codedeploy.send(new client_codedeploy_dist_cjs/* ListDeploymentGroupsCommand */.XOe({ applicationName: application, nextToken })));
        }
        catch (error) {
            if (named && error instanceof aws/* AwsCallError */.iQ && error.code === 'ApplicationDoesNotExistException') {
                throw new errors/* ConfigurationError */.j1('codedeploy-application', application, 'an existing CodeDeploy application');
            }
            throw error;
        }
        names.push(...(page.deploymentGroups ?? []));
        nextToken = page.nextToken;
    } while (nextToken);
    const infos = [];
    for (let i = 0; i < names.length; i += 100) {
        const batch = names.slice(i, i + 100);
        const answer = await (0,aws/* awsCall */.uF)(`deployment groups of application ${application}`, () => codedeploy.send(new client_codedeploy_dist_cjs/* BatchGetDeploymentGroupsCommand */.rUZ({ applicationName: application, deploymentGroupNames: batch })));
        infos.push(...(answer.deploymentGroupsInfo ?? []));
    }
    return infos;
}
/**
 * A deployment-config input must name an ECS config that exists: checked before registering,
 * so a typo never leaves a registered revision and no deployment. Returns how it moves traffic,
 * for the expected timeline.
 * https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_GetDeploymentConfig.html
 */
async function checkDeploymentConfig(codedeploy, name) {
    let platform;
    let routing;
    try {
        const answer = await (0,aws/* awsCall */.uF)(`deployment config ${name}`, () => codedeploy.send(new client_codedeploy_dist_cjs/* GetDeploymentConfigCommand */.z2K({ deploymentConfigName: name })));
        platform = answer.deploymentConfigInfo?.computePlatform;
        routing = answer.deploymentConfigInfo?.trafficRoutingConfig;
    }
    catch (error) {
        if (error instanceof aws/* AwsCallError */.iQ && error.code === 'DeploymentConfigDoesNotExistException') {
            throw new errors/* ConfigurationError */.j1('deployment-config', name, 'an existing CodeDeploy deployment config for ECS, e.g. CodeDeployDefault.ECSAllAtOnce or CodeDeployDefault.ECSLinear10PercentEvery1Minutes');
        }
        throw error;
    }
    if (platform && platform !== 'ECS') {
        throw new errors/* ConfigurationError */.j1('deployment-config', name, `a deployment config for ECS; this one is for ${platform}`);
    }
    return routing;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/run-task.ts
/**
 * A one-off task before the deployment (a database migration, say): the revision about to be
 * deployed runs once with a command override, in the service's own network, and the deployment
 * goes on only when its essential container exits 0. A failure says why: exit code, stop reason
 * and the container's last log lines.
 */







/** How many of the task's last log lines a failure shows. */
const LOG_LINES_SHOWN = 20;
/**
 * `startedBy` names the suite and the commit so the task is found with ListTasks --started-by.
 * ECS accepts up to 128 letters, digits, hyphens, slashes and underscores (API model,
 * RunTaskRequest.startedBy); a 12-character commit keeps it short enough for every ECS field
 * that shows it.
 */
function startedByFor(sha) {
    const commit = (sha ?? '').replace(/[^A-Za-z0-9]/g, '').slice(0, 12);
    return commit ? `deploy-bluegreen/${commit}` : 'deploy-bluegreen';
}
/**
 * The RunTask request: the service's network configuration, its capacity provider strategy or
 * launch type (RunTask refuses both together) and platform version. For a CODE_DEPLOY service the
 * PRIMARY task set carries what the last deployment set, so it wins over the service's own fields.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html
 */
function runTaskInput(plan) {
    const primary = plan.service.taskSets?.find((s) => s.status === 'PRIMARY');
    const networkConfiguration = primary?.networkConfiguration ?? plan.service.networkConfiguration;
    const strategy = primary?.capacityProviderStrategy ?? plan.service.capacityProviderStrategy;
    const launchType = primary?.launchType ?? plan.service.launchType;
    const platformVersion = primary?.platformVersion ?? plan.service.platformVersion;
    return {
        cluster: plan.cluster,
        taskDefinition: plan.taskDefinitionArn,
        count: 1,
        startedBy: plan.startedBy,
        ...(networkConfiguration ? { networkConfiguration } : {}),
        ...(strategy && strategy.length > 0 ? { capacityProviderStrategy: strategy } : launchType ? { launchType } : {}),
        ...(platformVersion ? { platformVersion } : {}),
        overrides: { containerOverrides: [{ name: plan.containerName, command: plan.command }] },
    };
}
/** Where the container's awslogs driver writes: group and `prefix/container/task-id` stream. */
function awslogsStream(definition, containerName, taskArn) {
    const containers = (definition.containerDefinitions ?? []);
    const log = containers.find((c) => c.name === containerName)?.logConfiguration;
    const group = log?.options?.['awslogs-group'];
    const prefix = log?.options?.['awslogs-stream-prefix'];
    // Without a stream prefix, Fargate's stream name is not documented as predictable: nothing to read.
    // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
    if (log?.logDriver !== 'awslogs' || !group || !prefix)
        return undefined;
    const taskId = taskArn.slice(taskArn.lastIndexOf('/') + 1);
    return { group, stream: `${prefix}/${containerName}/${taskId}` };
}
/** Runs the task, waits for it to stop, and resolves only when its container exited 0. */
async function runOneOffTask(deps, plan, onStarted) {
    const { logger } = deps;
    (0,cancel/* throwIfCancelled */.dZ)(deps.signal);
    logger.info(`Running ${plan.taskDefinitionArn} once with command ${JSON.stringify(plan.command)} (run-task-command) before the deployment.`);
    const answer = await (0,aws/* awsCall */.uF)(`cluster ${plan.cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* RunTaskCommand */._eD(runTaskInput(plan))));
    const started = answer.tasks?.[0];
    if (!started?.taskArn) {
        // RunTask reports placement problems in `failures`, not as an error.
        const failure = answer.failures?.[0];
        throw new errors/* ActionFailure */.dR(`RunTask started no task for run-task-command: ${failure?.reason ?? 'no reason given'}${failure?.detail ? ` (${failure.detail})` : ''}. Nothing was deployed.`);
    }
    const taskArn = started.taskArn;
    const result = { taskArn };
    onStarted?.(taskArn);
    logger.info(`Started task ${taskArn} (startedBy ${plan.startedBy}); waiting for it to stop.`);
    let task = started;
    try {
        task = await (0,cancel/* poll */.wt)({
            clock: deps.clock,
            signal: deps.signal,
            timeoutMs: plan.timeoutMs,
            intervalMs: plan.pollIntervalMs,
            check: async () => {
                task = await describeTask(deps, plan.cluster, taskArn);
                return task?.lastStatus === 'STOPPED' ? { done: true, value: task } : { done: false };
            },
            onDeadline: async () => {
                await stopTask(deps, plan.cluster, taskArn, 'deploy-bluegreen: run-task-timeout-minutes reached');
                throw new errors/* ActionFailure */.dR(`The run-task-command task ${taskArn} was still ${task?.lastStatus ?? 'starting'} after ${(0,inputs/* formatDuration */.a3)(plan.timeoutMs)} (run-task-timeout-minutes): stopped it. Nothing was deployed.`);
            },
        });
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc || deps.signal.aborted) {
            const cancelled = error instanceof errors/* CancelledError */.cc ? error : (0,cancel/* cancelledFrom */.sp)(deps.signal);
            let stopped = 'stopped it';
            try {
                await stopTask(deps, plan.cluster, taskArn, `deploy-bluegreen: ${cancelled.message}`, STOP_ON_CANCEL);
            }
            catch (stopError) {
                stopped = `could not stop it (${stopError.message}); stop it in the console`;
            }
            throw new errors/* ActionFailure */.dR(`${cancelled.message} while the run-task-command task ${taskArn} ran: ${stopped}. Nothing was deployed.`);
        }
        throw error;
    }
    const container = task?.containers?.find((c) => c.name === plan.containerName);
    result.exitCode = container?.exitCode;
    result.stoppedReason = task?.stoppedReason;
    if (result.exitCode === 0) {
        logger.info(`Task ${taskArn} exited 0: going on.`);
        return result;
    }
    const lines = [
        `The run-task-command task ${taskArn} failed${result.exitCode !== undefined ? ` with exit code ${result.exitCode}` : ' before its container exited'}. Nothing was deployed.`,
        `Stop reason: ${[task?.stopCode, task?.stoppedReason].filter(Boolean).join(': ') || 'none given'}`,
    ];
    if (container?.reason)
        lines.push(`Container ${plan.containerName}: ${container.reason}`);
    lines.push(...(await lastLogLines(deps, plan, taskArn)));
    throw new RunTaskFailure(lines.join('\n'), result);
}
/** A failed one-off task; carries its ARN and exit code for the step's outputs. */
class RunTaskFailure extends errors/* ActionFailure */.dR {
    result;
    constructor(message, result) {
        super(message);
        this.result = result;
    }
}
async function describeTask(deps, cluster, taskArn) {
    try {
        const answer = await (0,aws/* awsCall */.uF)(`task ${taskArn}`, () => deps.ecs.send(new client_ecs_dist_cjs/* DescribeTasksCommand */.z8X({ cluster, tasks: [taskArn] }), { abortSignal: deps.signal }));
        return answer.tasks?.[0];
    }
    catch (error) {
        if (deps.signal.aborted)
            throw (0,cancel/* cancelledFrom */.sp)(deps.signal);
        throw error;
    }
}
/**
 * StopTask sends SIGTERM, then SIGKILL after the container's stopTimeout; the call itself returns
 * at once. On the cancel path each attempt is bounded so it fits in the runner's kill window.
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html
 */
async function stopTask(deps, cluster, taskArn, reason, bound) {
    deps.logger.info(`Stopping task ${taskArn}.`);
    await callWithin((options) => (0,aws/* awsCall */.uF)(`task ${taskArn}`, () => deps.ecs.send(new client_ecs_dist_cjs/* StopTaskCommand */.PP1({ cluster, task: taskArn, reason }), options)), { bound, clock: deps.clock });
}
/**
 * The container's last log lines, newest last (GetLogEvents reads from the end unless
 * startFromHead is true). A log read that fails is said in one line: it must not hide the exit code.
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
 */
async function lastLogLines(deps, plan, taskArn) {
    const where = awslogsStream(plan.definition, plan.containerName, taskArn);
    if (!where) {
        return [
            `No log lines: container ${plan.containerName} has no awslogs configuration with a stream prefix (set log-group to add one).`,
        ];
    }
    if (!deps.logs)
        return [];
    try {
        const answer = await (0,aws/* awsCall */.uF)(`log stream ${where.group}/${where.stream}`, () => deps.logs.send(new dist_cjs/* GetLogEventsCommand */.h7S({
            logGroupName: where.group,
            logStreamName: where.stream,
            limit: LOG_LINES_SHOWN,
            startFromHead: false,
        })));
        const events = answer.events ?? [];
        if (events.length === 0)
            return [`No log lines in ${where.group} ${where.stream}.`];
        return [
            `Last ${events.length} log lines (${where.group} ${where.stream}):`,
            ...events.map((e) => `  ${(e.message ?? '').replace(/\n$/, '')}`),
        ];
    }
    catch (error) {
        return [`No log lines: ${error.message}`];
    }
}
/**
 * The deploy flow's one call: runs run-task-command (when set) with the revision about to be
 * deployed and records the task in the report; throws, before anything is deployed, when it fails.
 */
async function runTaskBeforeDeployment(config, deps, report, service, taskDefinitionArn, definition) {
    if (!config.runTaskCommand)
        return;
    try {
        report.runTask = await runOneOffTask(deps, {
            cluster: config.cluster,
            taskDefinitionArn,
            definition,
            containerName: config.containerName,
            command: config.runTaskCommand,
            service,
            startedBy: startedByFor(deps.commit),
            timeoutMs: config.runTaskTimeoutMs ?? 30 * 60_000,
            pollIntervalMs: config.pollIntervalMs,
        }, (taskArn) => (report.runTask = { taskArn }));
    }
    catch (error) {
        if (error instanceof RunTaskFailure)
            report.runTask = error.result;
        throw error;
    }
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/register-only.ts



async function registerOnly(config, deps, report, render) {
    const desired = render(config.template.definition, `task-definition (${config.template.path})`);
    report.image = (0,taskdef/* imageOf */.dT)(desired, config.containerName);
    const latest = await findTaskDefinition(deps.ecs, String(desired.family));
    report.runningTaskDefinitionArn = latest?.arn;
    report.diff = (0,taskdef/* diffTaskDefinitions */.n2)(latest?.definition, desired);
    if (latest && (0,taskdef/* sameTaskDefinition */.JL)(latest.definition, desired)) {
        deps.logger.info(`The family's latest revision ${latest.arn} equals the desired definition: nothing to register.`);
        report.taskDefinitionArn = latest.arn;
        await runTaskWithoutDeploying(config, deps, report, latest.arn, desired);
        return { kind: 'unchanged', taskDefinitionArn: latest.arn };
    }
    const arn = await registerTaskDefinition(deps.ecs, desired, deps.logger);
    Object.assign(report, { taskDefinitionArn: arn, registered: true, reused: false });
    await runTaskWithoutDeploying(config, deps, report, arn, desired);
    return { kind: 'registered', taskDefinitionArn: arn };
}
/** With run-task-command, the task runs in the named service's network configuration. */
async function runTaskWithoutDeploying(config, deps, report, arn, definition) {
    // parseConfig requires the service whenever run-task-command is set with register-only.
    if (!config.runTaskCommand || !config.service)
        return;
    const service = await describeService(deps.ecs, config.cluster, config.service);
    await runTaskBeforeDeployment(config, deps, report, service.raw, arn, definition);
}

// EXTERNAL MODULE: ./actions/deploy-bluegreen/src/report.ts
var src_report = __webpack_require__(7829);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/controller-inputs.ts
/**
 * Inputs that depend on the service's deployment controller: description, hooks, wait,
 * desired-count, force-new-deployment, enable-ecs-managed-tags, propagate-tags.
 */




/**
 * `generated — user text`, cut to CodeDeploy's 100 characters (it refuses longer ones with
 * DescriptionTooLongException) with a warning saying what was dropped.
 * https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
 */
function withUserDescription(generated, user, logger) {
    const extra = user?.replace(/\s+/g, ' ').trim();
    if (!extra)
        return generated;
    const whole = `${generated} - ${extra}`;
    if (whole.length <= MAX_DESCRIPTION_LENGTH)
        return whole;
    const cut = `${whole.slice(0, MAX_DESCRIPTION_LENGTH - 3)}...`;
    logger.warning(`The deployment description is ${whole.length} characters and CodeDeploy takes at most ${MAX_DESCRIPTION_LENGTH}: it was cut to "${cut}". Shorten the description input to keep all of it.`);
    return cut;
}
/**
 * Inputs that only one deployment controller can honour, refused before anything is registered.
 * ECS native deployments take lifecycle hooks on the service itself
 * (deploymentConfiguration.lifecycleHooks), not in an AppSpec; a CODE_DEPLOY service's task
 * definition changes only through CodeDeploy, and its task count belongs to the task sets
 * CodeDeploy makes.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-lifecycle-hooks.html
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 */
function checkControllerInputs(config, service) {
    if (service.controller === 'CODE_DEPLOY') {
        const where = `${config.cluster}/${config.service} uses the CODE_DEPLOY deployment controller`;
        if (config.desiredCount !== undefined) {
            throw new errors/* ConfigurationError */.j1('desired-count', String(config.desiredCount), `desired-count is for services with the ECS deployment controller, and ${where}: change its desired count outside the deployment (Terraform, or aws ecs update-service --desired-count)`);
        }
        if (config.forceNewDeployment) {
            throw new errors/* ConfigurationError */.j1('force-new-deployment', 'true', `force-new-deployment is for services with the ECS deployment controller, and ${where}: a CodeDeploy deployment needs a changed task definition`);
        }
        // The deployment's tasks belong to the task set CodeDeploy creates, not to an UpdateService
        // this action makes: a tag setting there would not say which tasks carry the tags.
        const tagInputs = [
            ['enable-ecs-managed-tags', config.enableEcsManagedTags?.toString()],
            ['propagate-tags', config.propagateTags],
        ];
        for (const [input, value] of tagInputs) {
            if (value === undefined)
                continue;
            throw new errors/* ConfigurationError */.j1(input, value, `${input} is for services with the ECS deployment controller, and ${where}: set the service's tag settings outside the deployment (Terraform's enable_ecs_managed_tags / propagate_tags, or aws ecs update-service), or leave ${input} empty`);
        }
        return;
    }
    const where = `${config.cluster}/${config.service} uses the ECS deployment controller (${service.strategy ?? 'ROLLING'})`;
    if (config.hooks?.length) {
        throw new errors/* ConfigurationError */.j1('hooks', config.hooks.map((h) => `${h.event}=${h.functionName}`).join('\n'), `AppSpec hooks are run by CodeDeploy, and ${where}; set lifecycle hooks on the service's deploymentConfiguration instead, or leave hooks empty`);
    }
}
/** The service settings these inputs ask for and the service does not have yet (UpdateService fields). */
function serviceSettingsToChange(config, current) {
    return {
        ...(config.desiredCount !== undefined && config.desiredCount !== current.desiredCount
            ? { desiredCount: config.desiredCount }
            : {}),
        ...(config.enableEcsManagedTags !== undefined &&
            config.enableEcsManagedTags !== (current.enableECSManagedTags ?? false)
            ? { enableECSManagedTags: config.enableEcsManagedTags }
            : {}),
        ...(config.propagateTags !== undefined && config.propagateTags !== (current.propagateTags ?? 'NONE')
            ? { propagateTags: config.propagateTags }
            : {}),
    };
}
/**
 * Nothing to deploy, but desired-count or the tag settings differ from the service's: set them
 * alone. UpdateService without a task definition or forceNewDeployment starts no deployment;
 * the tag settings apply to tasks started from then on (force-new-deployment replaces the
 * running ones).
 * https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_UpdateService.html
 */
async function scaleIfAsked(config, deps, service) {
    const change = serviceSettingsToChange(config, service.raw);
    if (Object.keys(change).length === 0)
        return;
    await (0,aws/* awsCall */.uF)(`service ${config.service} in cluster ${config.cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* UpdateServiceCommand */.kZr({ cluster: config.cluster, service: config.service, ...change })));
    const where = `${config.cluster}/${config.service}`;
    if (change.desiredCount !== undefined) {
        deps.logger.info(`desired-count: set ${where} from ${service.raw.desiredCount ?? 0} to ${change.desiredCount} tasks (no new deployment).`);
    }
    if (change.enableECSManagedTags !== undefined) {
        deps.logger.info(`enable-ecs-managed-tags: set ${where} to ${change.enableECSManagedTags} (no new deployment; tasks started from now on carry it, force-new-deployment replaces the running ones).`);
    }
    if (change.propagateTags !== undefined) {
        deps.logger.info(`propagate-tags: set ${where} from ${service.raw.propagateTags ?? 'NONE'} to ${change.propagateTags} (no new deployment; tasks started from now on carry it, force-new-deployment replaces the running ones).`);
    }
}

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
function classifyDeploymentStatus(status) {
    return ecs_native_status_DEPLOYMENT_STATUS[status ?? ''] ?? 'unknown';
}
/** The deployment is over (whatever the outcome) and nothing more will change. */
function deploymentEnded(status) {
    const verdict = classifyDeploymentStatus(status);
    return verdict === 'done' || verdict === 'failed';
}
/** DeploymentRolloutState (DescribeServices deployments[].rolloutState, ROLLING). */
const ROLLOUT_STATE = { IN_PROGRESS: 'going', COMPLETED: 'done', FAILED: 'failed' };
function classifyRolloutState(state) {
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
const LIFECYCLE_STAGES = [
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
];
function stagePosition(stage) {
    return stage ? LIFECYCLE_STAGES.indexOf(stage) : -1;
}
function classifyLifecycleStage(stage) {
    return stage === undefined || stagePosition(stage) >= 0 ? 'going' : 'unknown';
}
/**
 * The test listener reaches green from TEST_TRAFFIC_SHIFT on ("The green service revision is
 * migrating from 0% to 100% of test traffic"): before that, checks of the test URL see blue.
 */
function testTrafficReachesGreen(stage) {
    return stagePosition(stage) >= stagePosition('TEST_TRAFFIC_SHIFT');
}
/**
 * A pause hook waiting for ContinueServiceDeployment, if the deployment is held by one.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/pause-lifecycle-hooks.html
 */
function awaitingPauseHook(deployment) {
    return (deployment.lifecycleHookDetails ?? []).find((hook) => hook.targetType === 'PAUSE' && hook.status === 'AWAITING_ACTION' && hook.hookId);
}
/** A traffic weight as ECS gives it (a Double, e.g. 2.5) without float noise. */
function percent(weight) {
    return `${Math.round(weight * 10) / 10}%`;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/ecs-native/calls.ts
/** The ECS service deployment calls: find, describe, continue, stop with ROLLBACK, wait for the end. */






/** ContinueServiceDeployment CONTINUE; a hook already answered (by a person, or its timeout) is not an error. */
async function continueServiceDeployment(deps, arn, hookId) {
    try {
        await (0,aws/* awsCall */.uF)(`service deployment ${arn}`, () => deps.ecs.send(new client_ecs_dist_cjs/* ContinueServiceDeploymentCommand */.LrH({ serviceDeploymentArn: arn, hookId, action: 'CONTINUE' }), {
            abortSignal: deps.signal,
        }));
    }
    catch (error) {
        if (deps.signal.aborted)
            throw (0,cancel/* cancelledFrom */.sp)(deps.signal);
        if (!(error instanceof aws/* AwsCallError */.iQ) || error.code !== 'InvalidParameterException')
            throw error;
        deps.logger.info(`Pause hook ${hookId} no longer awaits action (${error.message}); still watching.`);
    }
}
/** The service deployment UpdateService started: the newest one created since (allowing for clock skew). */
async function findServiceDeployment(deps, plan, started) {
    return (0,cancel/* poll */.wt)({
        clock: deps.clock,
        signal: deps.signal,
        deadline: Math.min(plan.deadline, deps.clock.now() + 60_000),
        intervalMs: Math.min(plan.pollIntervalMs, 2000),
        check: async () => {
            const answer = await (0,aws/* awsCall */.uF)(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* ListServiceDeploymentsCommand */.jz8({ cluster: plan.cluster, service: plan.service }), {
                abortSignal: deps.signal,
            })).catch((error) => {
                if (deps.signal.aborted)
                    throw (0,cancel/* cancelledFrom */.sp)(deps.signal);
                throw error;
            });
            const candidates = (answer.serviceDeployments ?? [])
                .filter((d) => (d.createdAt?.getTime() ?? 0) >= started - 120_000 || classifyDeploymentStatus(d.status) === 'going')
                .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
            const newest = candidates[0]?.serviceDeploymentArn;
            return newest ? { done: true, value: newest } : { done: false };
        },
        onDeadline: () => {
            throw new errors/* ActionFailure */.dR(`UpdateService did not start a service deployment in ${plan.cluster}/${plan.service} (ListServiceDeployments lists none).`);
        },
    });
}
async function describeServiceDeployment(deps, arn, signal) {
    const answer = await (0,aws/* awsCall */.uF)(`service deployment ${arn}`, () => deps.ecs.send(new client_ecs_dist_cjs/* DescribeServiceDeploymentsCommand */.A6p({ serviceDeploymentArns: [arn] }), signal ? { abortSignal: signal } : {})).catch((error) => {
        if (signal?.aborted)
            throw (0,cancel/* cancelledFrom */.sp)(signal);
        throw error;
    });
    const deployment = answer.serviceDeployments?.[0];
    if (!deployment) {
        throw new errors/* ActionFailure */.dR(`DescribeServiceDeployments found no ${arn}: ${answer.failures?.[0]?.reason ?? 'MISSING'}`);
    }
    return deployment;
}
/** StopServiceDeployment ROLLBACK; with a `bound` (STOP_ON_CANCEL), each attempt is aborted after that long and tried again. */
async function stopServiceDeployment(deps, arn, bound) {
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
async function waitForServiceDeploymentEnd(deps, arn, budgetMs, signal, intervalMs) {
    try {
        return await followStatus({
            clock: deps.clock,
            signal,
            budgetMs,
            intervalMs,
            status: 'UNKNOWN',
            read: async (callSignal) => (await describeServiceDeployment(deps, arn, callSignal)).status ?? 'UNKNOWN',
            ended: deploymentEnded,
        });
    }
    catch (error) {
        if (error instanceof errors/* CancelledError */.cc)
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
async function passPauseHook(deps, plan, record, deployment, hook) {
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
        throw new errors/* ActionFailure */.dR(continueByHand(deps.region, plan, record.id, where, hook.hookId, expiry));
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
    throw new errors/* ActionFailure */.dR(`${why}. Stopped service deployment ${record.id} with ROLLBACK: ${deploymentEnded(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${(0,inputs/* formatDuration */.a3)(ROLLBACK_WAIT_MS)}; follow it in the console`}.`);
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










async function watchServiceDeployment(deps, plan, record, started) {
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
        last = await (0,cancel/* poll */.wt)({
            ...untilTimeout(deps, plan),
            check: look,
            onDeadline: () => {
                throw new errors/* TimeoutError */.MU(`timeout-minutes (${(0,inputs/* formatDuration */.a3)(plan.timeoutMs)}) reached`);
            },
        });
    }
    catch (error) {
        if (!(error instanceof errors/* CancelledError */.cc || error instanceof errors/* TimeoutError */.MU) || !record.id) {
            // The watch broke (not a cancel or timeout): the deployment goes on by itself, and the post
            // step must not roll it back.
            if (record.id && !(error instanceof errors/* ActionFailure */.dR)) {
                deps.saveState(STATE.finished, 'true');
                throw new errors/* ActionFailure */.dR(`Watching service deployment ${record.id} failed (${error.message}); the deployment goes on without this action. Follow it in the console: ${serviceDeploymentsConsoleUrl(deps.region, plan)}`);
            }
            throw error;
        }
        const where = `${last?.status ?? 'PENDING'}${last?.lifecycleStage ? ` in ${last.lifecycleStage}` : ''}`;
        const cancelled = error instanceof errors/* CancelledError */.cc;
        const why = cancelled
            ? `${error.message} while service deployment ${record.id} was ${where}`
            : `Timed out: ${error.message} while service deployment ${record.id} was ${where}`;
        record.stoppedBecause = why;
        if (cancelled && !plan.rollbackOnCancel) {
            deps.saveState(STATE.finished, 'true');
            throw new errors/* ActionFailure */.dR(`${why}. rollback-on-cancel is false: the deployment goes on without this action.`);
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
            throw new errors/* ActionFailure */.dR(`${why}. StopServiceDeployment failed (${stopError.message}): service deployment ${record.id} is still running and was not rolled back; the post step tries to stop it again. Follow it, or stop it by hand: ${serviceDeploymentsConsoleUrl(deps.region, plan)}`);
        }
        deps.saveState(STATE.finished, 'true');
        const budget = cancelled ? Math.max(0, CANCEL_BUDGET_MS - (deps.clock.now() - stoppingAt)) : ROLLBACK_WAIT_MS;
        const outcome = await waitForServiceDeploymentEnd(deps, record.id, budget, cancelled ? undefined : deps.signal, Math.min(plan.pollIntervalMs, cancelled ? 500 : 2000));
        record.status = outcome;
        throw new errors/* ActionFailure */.dR(`${why}. Stopped it with ROLLBACK: ${deploymentEnded(outcome) ? `it ended ${outcome}` : `it was still ${outcome} after ${(0,inputs/* formatDuration */.a3)(budget)}; follow it in the console`}.`);
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
    throw new errors/* ActionFailure */.dR(lines.join('\n'));
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








async function watchRolling(deps, plan, record) {
    const seen = { line: '', unknown: new Set() };
    try {
        await (0,cancel/* poll */.wt)({
            ...untilTimeout(deps, plan),
            check: async () => {
                const answer = await (0,aws/* awsCall */.uF)(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* DescribeServicesCommand */.H7c({ cluster: plan.cluster, services: [plan.service] }), {
                    abortSignal: deps.signal,
                })).catch((error) => {
                    if (deps.signal.aborted)
                        throw (0,cancel/* cancelledFrom */.sp)(deps.signal);
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
                    throw new errors/* ActionFailure */.dR([
                        `The deployment circuit breaker rolled ${plan.cluster}/${plan.service} back to ${primary.taskDefinition}${primary.rolloutStateReason ? `: ${primary.rolloutStateReason}` : ''}.`,
                        ...(await explainStoppedTasks(deps, plan.cluster, plan.service, plan.taskDefinitionArn, record)),
                    ].join('\n'));
                }
                if (primary && rollout === 'failed') {
                    throw new errors/* ActionFailure */.dR([
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
                throw new errors/* TimeoutError */.MU(`timeout-minutes (${(0,inputs/* formatDuration */.a3)(plan.timeoutMs)}) reached`);
            },
        });
    }
    catch (error) {
        if (!(error instanceof errors/* CancelledError */.cc || error instanceof errors/* TimeoutError */.MU))
            throw error;
        const cancelled = error instanceof errors/* CancelledError */.cc;
        const why = `${cancelled ? error.message : `Timed out: ${error.message}`} while ${plan.cluster}/${plan.service} was rolling out`;
        record.stoppedBecause = why;
        if ((cancelled && !plan.rollbackOnCancel) || !plan.previousTaskDefinitionArn) {
            throw new errors/* ActionFailure */.dR(`${why}. The rolling deployment goes on without this action.`);
        }
        await (0,aws/* awsCall */.uF)(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* UpdateServiceCommand */.kZr({
            cluster: plan.cluster,
            service: plan.service,
            taskDefinition: plan.previousTaskDefinitionArn,
        })));
        throw new errors/* ActionFailure */.dR(`${why}. Rolled the service back to ${plan.previousTaskDefinitionArn} (UpdateService).`);
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
    const updated = await (0,aws/* awsCall */.uF)(`service ${plan.service} in cluster ${plan.cluster}`, () => deps.ecs.send(new client_ecs_dist_cjs/* UpdateServiceCommand */.kZr({
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

// EXTERNAL MODULE: ./actions/deploy-bluegreen/src/timeline.ts
var timeline = __webpack_require__(2692);
;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/expected-timeline.ts




/** One line for a read that failed: the permission to grant when AWS refused it, else AWS's words. */
function unreadable(action, error) {
    const code = error instanceof aws/* AwsCallError */.iQ ? error.code : undefined;
    if (code === 'AccessDeniedException' || code === 'AccessDenied') {
        return `Expected phase times unknown: the role may not call elasticloadbalancing:${action}; grant it to see them.`;
    }
    return `Expected phase times unknown: ${error instanceof Error ? error.message : String(error)}`;
}
/**
 * The health-check interval of the slower of the groups (new targets register in either, by turn)
 * and the deregistration delay of the draining one. Undefined when the groups could not be read.
 */
async function readTargetGroupTiming(elbv2, ref, warn) {
    const label = `target groups ${(ref.names ?? ref.arns ?? []).join(', ')}`;
    let groups;
    try {
        const answer = await (0,aws/* awsCall */.uF)(label, () => elbv2.send(new client_elastic_load_balancing_v2_dist_cjs/* DescribeTargetGroupsCommand */.sC7(ref.names?.length ? { Names: ref.names } : { TargetGroupArns: ref.arns })));
        groups = answer.TargetGroups ?? [];
    }
    catch (error) {
        warn(unreadable('DescribeTargetGroups', error));
        return undefined;
    }
    if (groups.length === 0)
        return undefined;
    // ALB's default interval when a group leaves it out: 30 s.
    // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateTargetGroup.html
    const timing = {
        healthCheckIntervalSeconds: Math.max(...groups.map((g) => g.HealthCheckIntervalSeconds ?? 30)),
    };
    const draining = groups.find((g) => g.TargetGroupArn === ref.drainingArn)?.TargetGroupArn ?? groups[0]?.TargetGroupArn;
    if (!draining)
        return timing;
    try {
        const answer = await (0,aws/* awsCall */.uF)(`target group ${draining}`, () => elbv2.send(new client_elastic_load_balancing_v2_dist_cjs/* DescribeTargetGroupAttributesCommand */.cKh({ TargetGroupArn: draining })));
        const delay = answer.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
        // 300 s unless set: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
        timing.deregistrationDelaySeconds = delay !== undefined && delay !== '' ? Number(delay) : 300;
    }
    catch (error) {
        warn(unreadable('DescribeTargetGroupAttributes', error));
    }
    return timing;
}
/** The settings and the target groups to read, from what was already read. Pure. */
function timelineSettings(source) {
    if (source.controller === 'CODE_DEPLOY') {
        const info = source.group;
        // A group without a config deploys with CodeDeployDefault.ECSAllAtOnce.
        // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_CreateDeploymentGroup.html
        const name = source.deploymentConfig ?? info.deploymentConfigName ?? 'CodeDeployDefault.ECSAllAtOnce';
        const termination = info.blueGreenDeploymentConfiguration?.terminateBlueInstancesOnDeploymentSuccess;
        const names = (info.loadBalancerInfo?.targetGroupPairInfoList ?? [])
            .flatMap((pair) => pair.targetGroups ?? [])
            .map((g) => g.name)
            .filter((n) => Boolean(n));
        return {
            settings: {
                controller: 'CODE_DEPLOY',
                shift: (0,timeline/* codedeployShift */.FK)(name, source.deploymentConfig === name ? source.routing : undefined),
                // KEEP_ALIVE keeps blue: no termination at all.
                terminationWaitMinutes: termination?.action === 'KEEP_ALIVE' ? 0 : (termination?.terminationWaitTimeInMinutes ?? undefined),
            },
            targetGroups: { names, drainingArn: source.blueTargetGroupArn },
        };
    }
    const service = source.service;
    const arns = (service.loadBalancers ?? []).flatMap((lb) => [lb.targetGroupArn, lb.advancedConfiguration?.alternateTargetGroupArn].filter((a) => Boolean(a)));
    return {
        settings: {
            controller: 'ECS',
            shift: (0,timeline/* ecsShift */.se)(service.deploymentConfiguration),
            bakeTimeMinutes: service.deploymentConfiguration?.bakeTimeInMinutes ?? 0,
        },
        targetGroups: { arns: [...new Set(arns)], drainingArn: service.loadBalancers?.[0]?.targetGroupArn },
    };
}
/**
 * Reads the target groups, logs the expected phases as a folded group, and returns them.
 * Without an ELBv2 client the phases they time stay unknown.
 */
async function planTimeline(deps, source) {
    const { settings, targetGroups } = timelineSettings(source);
    const warnings = [];
    const named = (targetGroups.names?.length ?? 0) + (targetGroups.arns?.length ?? 0) > 0;
    if (deps.elbv2 && named) {
        settings.targetGroup = await readTargetGroupTiming(deps.elbv2, targetGroups, (line) => warnings.push(line));
    }
    for (const line of new Set(warnings))
        deps.logger.warning(line);
    const phases = (0,timeline/* expectedPhases */.JM)(settings);
    await deps.logger.group('Expected timeline (AWS time)', async () => {
        for (const phase of phases)
            deps.logger.info(`${phase.name}: ${(0,src_report/* spokenSeconds */.UF)(phase.seconds)} (${phase.basis})`);
        deps.logger.info(`Total: ${(0,src_report/* spokenSeconds */.UF)((0,timeline/* expectedTotal */.TD)(phases))}`);
    });
    return phases;
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/deploy.ts
/**
 * The deploy decision: resolve the service, render the desired definition, stop when nothing
 * changed, register only when needed, then deploy with the service's controller. Returns what it
 * did; fills a report as it goes, so the summary shows how far it got even on failure.
 */











function newReport(config, region) {
    return { cluster: config.cluster, service: config.service, region };
}
function deploy(config, deps, report) {
    const render = desiredRenderer(config, deps);
    return config.mode === 'register-only'
        ? registerOnly(config, deps, report, render)
        : deployToService(config, deps, report, render);
}
async function deployToService(config, deps, report, render) {
    const deadline = deps.clock.now() + config.timeoutMs;
    const view = await lookAtService(config, deps, report, render);
    const runsDesired = view.running !== undefined && (0,taskdef/* sameTaskDefinition */.JL)(view.running.definition, view.desired);
    if (view.running && runsDesired && !config.forceNewDeployment) {
        await scaleIfAsked(config, deps, view.service);
        return unchanged(config, deps, report, view.running.arn);
    }
    if (view.running && runsDesired) {
        deps.logger.info(`force-new-deployment: ${config.cluster}/${config.service} already runs ${view.running.arn}, which equals the desired definition; deploying it again anyway.`);
    }
    await showDiff(deps, report, view, 'Task definition changes');
    if (view.service.controller === 'CODE_DEPLOY') {
        return deployThroughCodeDeploy(config, deps, report, render, view, deadline);
    }
    return deployThroughEcs(config, deps, report, view, runsDesired, deadline);
}
/** Reads the service and what it runs, and renders the desired definition; read again after an active deployment ends. */
async function lookAtService(config, deps, report, render) {
    const service = await describeService(deps.ecs, config.cluster, config.service);
    report.controller = service.controller;
    if (service.controller === 'EXTERNAL') {
        throw new errors/* ConfigurationError */.j1('service', config.service, `a service with the CODE_DEPLOY or ECS deployment controller; ${config.cluster}/${config.service} uses EXTERNAL`);
    }
    checkControllerInputs(config, service);
    const running = service.runningTaskDefinitionArn
        ? await describeTaskDefinition(deps.ecs, service.runningTaskDefinitionArn)
        : undefined;
    report.runningTaskDefinitionArn = running?.arn;
    let desired;
    if (config.template)
        desired = render(config.template.definition, `task-definition (${config.template.path})`);
    else if (running)
        desired = render(running.definition, `the running task definition ${running.arn}`);
    else {
        throw new errors/* ConfigurationError */.j1('task-definition', '', `service ${config.cluster}/${config.service} runs no task definition yet; give a template`);
    }
    const image = (0,taskdef/* imageOf */.dT)(desired, config.containerName);
    report.image = image;
    report.logs = (0,src_report/* awslogsOf */.uI)(desired, config.containerName);
    // Checked before anything changes, so a wrong port never leaves a half-made deployment.
    const containerPort = (0,taskdef/* containerPortOf */.Yy)(desired, config.containerName, config.containerPort);
    return { service, running, desired, image, containerPort };
}
function unchanged(config, deps, report, arn) {
    deps.logger.info(`${config.cluster}/${config.service} already runs ${arn}, which equals the desired definition: nothing to register or deploy.`);
    report.taskDefinitionArn = arn;
    report.diff = [];
    if (config.runTaskCommand) {
        deps.logger.info('run-task-command did not run: it runs before a deployment, and there is none to make.');
    }
    return { kind: 'unchanged', taskDefinitionArn: arn };
}
async function showDiff(deps, report, view, title) {
    const diff = (0,taskdef/* diffTaskDefinitions */.n2)(view.running?.definition, view.desired);
    report.diff = diff;
    await deps.logger.group(title, async () => {
        for (const line of diff)
            deps.logger.info(line);
    });
}
async function deployThroughCodeDeploy(config, deps, report, render, first, deadline) {
    // Found (and the inputs checked) before registering, so a wrong group changes nothing.
    const group = await findDeploymentGroup(deps.codedeploy, config.cluster, config.service, config.codedeployApplication, config.codedeployDeploymentGroup);
    const routing = config.deploymentConfig
        ? await checkDeploymentConfig(deps.codedeploy, config.deploymentConfig)
        : undefined;
    let view = first;
    // An active deployment is dealt with before registering: with 'fail', nothing changes at all.
    if (await settleActiveDeployments(deps, codeDeployPlan(config, group, view, deadline))) {
        // It may have changed what the service runs (even to the desired definition): look again.
        view = await lookAtService(config, deps, report, render);
        if (view.running && (0,taskdef/* sameTaskDefinition */.JL)(view.running.definition, view.desired)) {
            return unchanged(config, deps, report, view.running.arn);
        }
        await showDiff(deps, report, view, 'Task definition changes (after the active deployment ended)');
    }
    const resolved = await registerIfNeeded(deps.ecs, view.desired, deps.logger, view.running);
    Object.assign(report, { taskDefinitionArn: resolved.arn, registered: resolved.registered, reused: resolved.reused });
    await runTaskBeforeDeployment(config, deps, report, view.service.raw, resolved.arn, view.desired);
    const description = withUserDescription(deploymentDescription(resolved.arn, view.image), config.description, deps.logger);
    report.timeline = await planTimeline(deps, {
        controller: 'CODE_DEPLOY',
        group: group.info,
        deploymentConfig: config.deploymentConfig,
        routing,
        blueTargetGroupArn: view.service.raw.taskSets?.find((set) => set.status === 'PRIMARY')?.loadBalancers?.[0]
            ?.targetGroupArn,
    });
    const deployment = await deployWithCodeDeploy(deps, { ...codeDeployPlan(config, group, view, deadline), taskDefinitionArn: resolved.arn, description }, (record) => (report.record = record));
    report.record = deployment;
    return {
        kind: 'deployed',
        controller: 'CODE_DEPLOY',
        taskDefinitionArn: resolved.arn,
        taskDefinitionChanged: true,
        deployment,
    };
}
/** The plan before registering: what settling an active deployment needs; the revision comes later. */
function codeDeployPlan(config, group, view, deadline) {
    return {
        cluster: config.cluster,
        service: config.service,
        group,
        taskDefinitionArn: '',
        containerName: config.containerName,
        containerPort: view.containerPort,
        platformVersion: platformVersion(view.service),
        deploymentConfig: config.deploymentConfig,
        onActiveDeployment: config.onActiveDeployment,
        deadline,
        timeoutMs: config.timeoutMs,
        pollIntervalMs: config.pollIntervalMs,
        rollbackOnCancel: config.rollbackOnCancel,
        testUrl: config.testUrl,
        hooks: config.hooks,
        wait: config.wait,
    };
}
async function deployThroughEcs(config, deps, report, view, runsDesired, deadline) {
    const { service, running, desired } = view;
    if (config.deploymentConfig) {
        deps.logger.warning(`deployment-config is a CodeDeploy setting; ${config.cluster}/${config.service} uses the ECS controller (${service.strategy}), so it is ignored.`);
    }
    // force-new-deployment of an unchanged service deploys the revision it runs, without registering.
    const resolved = runsDesired && running
        ? { arn: running.arn, registered: false, reused: true }
        : await registerIfNeeded(deps.ecs, desired, deps.logger, running);
    Object.assign(report, { taskDefinitionArn: resolved.arn, registered: resolved.registered, reused: resolved.reused });
    await runTaskBeforeDeployment(config, deps, report, service.raw, resolved.arn, desired);
    // A rolling update has no lifecycle stages to time.
    if (service.strategy && service.strategy !== 'ROLLING') {
        report.timeline = await planTimeline(deps, { controller: 'ECS', service: service.raw });
    }
    const deployment = await deployWithEcs(deps, {
        cluster: config.cluster,
        service: config.service,
        strategy: service.strategy ?? 'ROLLING',
        taskDefinitionArn: resolved.arn,
        previousTaskDefinitionArn: running?.arn,
        deadline,
        timeoutMs: config.timeoutMs,
        pollIntervalMs: config.pollIntervalMs,
        rollbackOnCancel: config.rollbackOnCancel,
        testUrl: config.testUrl,
        desiredCount: config.desiredCount,
        forceNewDeployment: config.forceNewDeployment,
        enableEcsManagedTags: config.enableEcsManagedTags,
        propagateTags: config.propagateTags,
        wait: config.wait,
    }, (record) => (report.record = record));
    report.record = deployment;
    return {
        kind: 'deployed',
        controller: 'ECS',
        taskDefinitionArn: resolved.arn,
        taskDefinitionChanged: !runsDesired,
        deployment,
    };
}
function platformVersion(service) {
    const version = service.raw.platformVersion;
    return version && version !== 'LATEST' ? version : undefined;
}

// EXTERNAL MODULE: external "node:perf_hooks"
var external_node_perf_hooks_ = __webpack_require__(643);
// EXTERNAL MODULE: external "node:http"
var external_node_http_ = __webpack_require__(7067);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
;// CONCATENATED MODULE: ./lib/http/format.ts
/** How the HTTP checks write durations in messages. */
/** `0.3 s` under ten seconds when not whole, else whole seconds: `12 s`. */
function seconds(ms) {
    return ms < 10_000 && ms % 1000 !== 0 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

;// CONCATENATED MODULE: ./lib/http/client.ts
/**
 * The HTTP client of the checks: one GET over node:http/https with keep-alive sockets, a time
 * limit per request, cancellation, optional redirects, and network failures turned into one plain
 * sentence a user can act on.
 */




const MAX_BODY_BYTES = 1024 * 1024;
const MAX_REDIRECTS = 5;
/** A network-level failure, with a message a user can act on. */
class HttpRequestError extends Error {
    kind;
    code;
    name = 'HttpRequestError';
    constructor(message, kind, code) {
        super(message);
        this.kind = kind;
        this.code = code;
    }
}
/** The first value of a header node may give as a list. */
function headerValue(value) {
    return Array.isArray(value) ? value[0] : value;
}
function createNodeHttpGet(options) {
    const agents = {
        'http:': new external_node_http_.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
        'https:': new external_node_https_.Agent({ keepAlive: true, maxSockets: options.maxSockets }),
    };
    const once = (url, timeoutMs, signal) => new Promise((resolve, reject) => {
        const isHttps = url.protocol === 'https:';
        const send = isHttps ? external_node_https_.request : external_node_http_.request;
        const req = send(url, {
            method: 'GET',
            agent: isHttps ? agents['https:'] : agents['http:'],
            headers: { accept: 'application/json, */*;q=0.5', 'user-agent': 'fargate-bluegreen-suite smoke-test' },
        });
        const timer = setTimeout(() => req.destroy(new HttpRequestError(`no complete response within ${seconds(timeoutMs)} (request timeout)`, 'timeout')), timeoutMs);
        const onAbort = () => req.destroy((0,cancel/* cancelledFrom */.sp)(signal));
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
        };
        req.on('response', (res) => {
            const chunks = [];
            let kept = 0;
            res.on('data', (chunk) => {
                if (kept < MAX_BODY_BYTES) {
                    chunks.push(chunk);
                    kept += chunk.length;
                }
            });
            res.on('end', () => {
                done();
                resolve({
                    status: res.statusCode ?? 0,
                    headers: res.headers,
                    body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
                    url: url.toString(),
                });
            });
            res.on('error', (error) => {
                done();
                reject(describeNetworkError(error, url));
            });
        });
        req.on('error', (error) => {
            done();
            reject(error instanceof HttpRequestError ? error : signal?.aborted ? error : describeNetworkError(error, url));
        });
        req.end();
    });
    const get = async (url, { timeoutMs, followRedirects, signal }) => {
        let current = url;
        for (let hop = 0;; hop++) {
            const response = await once(current, timeoutMs, signal);
            const location = headerValue(response.headers.location);
            if (!followRedirects || response.status < 300 || response.status >= 400 || !location)
                return response;
            if (hop === MAX_REDIRECTS) {
                throw new HttpRequestError(`more than ${MAX_REDIRECTS} redirects, the last to ${location}`, 'redirect');
            }
            try {
                current = new URL(location, current);
            }
            catch {
                throw new HttpRequestError(`redirected to ${JSON.stringify(location)}, which is not a valid URL`, 'redirect');
            }
            if (current.protocol !== 'http:' && current.protocol !== 'https:') {
                throw new HttpRequestError(`redirected to ${current.protocol} URL ${location}, which cannot be followed`, 'redirect');
            }
        }
    };
    return {
        get,
        close: () => {
            agents['http:'].destroy();
            agents['https:'].destroy();
        },
    };
}
const TLS_CODES = new Set([
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'EPROTO',
]);
/** Turns node's network errors into one plain sentence naming the host. */
function describeNetworkError(error, url) {
    const code = error.code ?? '';
    const where = url.host;
    if (code === 'ECONNREFUSED')
        return new HttpRequestError(`connection refused by ${where} (nothing is listening there yet)`, 'refused', code);
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
        return new HttpRequestError(`DNS lookup of ${url.hostname} failed (${code}): check the URL, or wait for the DNS record`, 'dns', code);
    }
    if (code === 'ECONNRESET' || code === 'EPIPE' || error.message === 'socket hang up') {
        return new HttpRequestError(`connection to ${where} was closed before the response was complete (${code || 'socket hang up'})`, 'reset', code);
    }
    if (code === 'ETIMEDOUT' || code === 'ECONNABORTED') {
        return new HttpRequestError(`connection to ${where} timed out (${code})`, 'timeout', code);
    }
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
        return new HttpRequestError(`${where} is unreachable (${code}): check the network path and security groups`, 'other', code);
    }
    if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(error.message)) {
        return new HttpRequestError(`TLS error talking to ${where}: ${error.message}${code ? ` (${code})` : ''}`, 'tls', code);
    }
    return new HttpRequestError(`request to ${where} failed: ${error.message}${code ? ` (${code})` : ''}`, 'other', code);
}

;// CONCATENATED MODULE: ./lib/http/redact.ts
/**
 * Redaction: a failure message quotes a response body, and the summary a JSON field, and neither
 * may leak credentials into the log.
 */
const SECRET_PATTERNS = [
    // Passwords in URLs: scheme://user:password@host.
    [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"']+:)[^\s@/"']+@/gi, '$1[REDACTED]@'],
    // Authorization-style values: Bearer/Basic/Token followed by the credential.
    [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [REDACTED]'],
    // JSON or form fields whose name says secret: "password": "...", token=...
    [
        /((?:"|')?[\w-]*(?:password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|authorization|session)[\w-]*(?:"|')?\s*[:=]\s*)(?!"?(?:Bearer|Basic|Token)\s)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&}]+)/gi,
        '$1"[REDACTED]"',
    ],
    // JWTs: three base64url parts, the first starting with {" encoded.
    [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[REDACTED JWT]'],
    // AWS access key ids.
    [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b/g, '[REDACTED AWS KEY]'],
    // PEM private keys.
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[REDACTED PRIVATE KEY]'],
    // Long hex strings, except after a colon: content digests (sha256:<hex>) and image tags identify
    // images and are not secret.
    // build-image's fingerprint tags (fp-<hex>) likewise.
    [/(?<![\w:]|fp-)[0-9a-fA-F]{32,}\b/g, '[REDACTED]'],
];
/** Long base64-looking runs (e.g. AWS secret keys) with upper, lower case and digits mixed. */
const BASE64_RUN = /[A-Za-z0-9+/_-]{32,}={0,2}/g;
/**
 * A field's value as shown in a message or the summary: what came back can hold anything (an
 * object with a connection string, a token), so it is redacted and cut like the body excerpt.
 */
function shownValue(value, max = 200) {
    const redacted = redactSecrets(value);
    return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}
function redactSecrets(text) {
    let out = text;
    for (const [pattern, replacement] of SECRET_PATTERNS)
        out = out.replace(pattern, replacement);
    return out.replace(BASE64_RUN, (run) => /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) && !/^[A-Za-z-]+$/.test(run) && looksRandom(run)
        ? '[REDACTED]'
        : run);
}
/** Words joined by slashes or dashes (paths, image names) are not secrets; random strings have few separators. */
function looksRandom(run) {
    const separators = (run.match(/[/_-]/g) ?? []).length;
    return separators <= run.length / 16;
}

;// CONCATENATED MODULE: ./lib/http/expectations.ts
/**
 * What a response must be: the expected status and JSON fields, how one response measures up
 * against them, and how that is shown (the checks table, the body excerpt of a failure).
 */


const BODY_EXCERPT_CHARS = 500;
/** Status, JSON fields and the task's hostname of one response. */
function evaluate(spec, response) {
    const problems = [];
    if (response.status !== spec.expectStatus) {
        const location = headerValue(response.headers.location);
        if (response.status >= 300 && response.status < 400 && location) {
            problems.push(`status: expected ${spec.expectStatus}, got a redirect (${response.status}) to ${resolveLocation(location, response.url)}, not followed` +
                ' (set follow-redirects: true to follow it, or point the URL at the final address)');
        }
        else {
            problems.push(`status: expected ${spec.expectStatus}, got ${response.status}`);
        }
    }
    let json;
    let isJson = false;
    try {
        json = JSON.parse(response.body);
        isJson = true;
    }
    catch {
        // Not JSON: only a problem when fields are expected.
    }
    if (spec.expectJson.size > 0) {
        if (!isJson) {
            const type = headerValue(response.headers['content-type']) ?? 'no content-type';
            const fields = [...spec.expectJson.keys()].join(', ');
            problems.push(`body: expected JSON with ${fields}, got a body that is not JSON (${type}, ${response.body.length} characters)`);
        }
        else {
            for (const [field, expected] of spec.expectJson) {
                const actual = fieldText(json, field);
                if (actual === undefined)
                    problems.push(`${field}: expected ${JSON.stringify(expected)}, but the field is missing`);
                else if (actual !== expected)
                    problems.push(`${field}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(shownValue(actual))}`);
            }
        }
    }
    const host = isJson ? fieldText(json, 'hostname') : undefined;
    return { problems, host };
}
/** The value at a dotted path, as text (strings as they are, other values as JSON). */
function fieldText(json, dottedPath) {
    let value = json;
    for (const key of dottedPath.split('.')) {
        if (value === null || typeof value !== 'object' || !Object.prototype.hasOwnProperty.call(value, key))
            return undefined;
        value = value[key];
    }
    if (value === undefined)
        return undefined;
    return typeof value === 'string' ? value : JSON.stringify(value);
}
function describeExpectations(spec) {
    return [
        `status ${spec.expectStatus}`,
        ...[...spec.expectJson].map(([field, value]) => `${field} = ${JSON.stringify(value)}`),
    ].join(', ');
}
function responseExcerpt(response) {
    if (!response)
        return [];
    // Redact before cutting, so a secret that straddles the cut is still recognised whole.
    const redacted = redactSecrets(response.body);
    const body = redacted.length > BODY_EXCERPT_CHARS ? `${redacted.slice(0, BODY_EXCERPT_CHARS)}…` : redacted;
    return [
        `Response: status ${response.status}${response.url ? ` from ${response.url}` : ''}; body (first ${BODY_EXCERPT_CHARS} characters, secrets redacted): ${body || '(empty)'}`,
    ];
}
/** Table rows: each expectation, with what phase 1's last answer and phase 2's requests showed. */
function expectationRows(spec, first, outcomes) {
    const all = [first, ...outcomes];
    const rows = [];
    const statuses = distinct(all.map((o) => (o.response ? String(o.response.status) : (o.error ?? 'no response'))));
    rows.push({
        check: 'status',
        expected: String(spec.expectStatus),
        observed: statuses.join(', '),
        passed: statuses.length === 1 && statuses[0] === String(spec.expectStatus),
    });
    for (const [field, expected] of spec.expectJson) {
        const seen = distinct(all.filter((o) => o.response).map((o) => fieldOf(o.response, field) ?? '(missing)'));
        rows.push({
            check: field,
            expected,
            observed: seen.length ? seen.map((value) => shownValue(value)).join(', ') : 'no response',
            passed: seen.length === 1 && seen[0] === expected,
        });
    }
    return rows;
}
function fieldOf(response, field) {
    try {
        return fieldText(JSON.parse(response.body), field);
    }
    catch {
        return '(not JSON)';
    }
}
function distinct(values) {
    return [...new Set(values)];
}
/** A Location header made absolute; left as sent when it is not a valid URL reference. */
function resolveLocation(location, base) {
    try {
        return new URL(location, base).toString();
    }
    catch {
        return location;
    }
}

;// CONCATENATED MODULE: ./lib/http/stats.ts
/** The figures of the measured requests: latency percentiles, throughput and failure counts. */
/** Nearest-rank percentile, rounded to 0.1 ms; undefined for no samples. */
function percentile(samples, p) {
    if (samples.length === 0)
        return undefined;
    const sorted = [...samples].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
    return round1(sorted[rank - 1]);
}
/** Requests completed per second over `durationMs`, to 0.1; 0 when no time was measured. */
function perSecond(count, durationMs) {
    return durationMs > 0 ? round1((count * 1000) / durationMs) : 0;
}
/** Each distinct problem with how often it happened, the most frequent first: `3 × status: expected 200, got 500`. */
function countedProblems(problemsPerRequest) {
    const counts = new Map();
    for (const problems of problemsPerRequest)
        for (const p of problems)
            counts.set(p, (counts.get(p) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]).map(([p, n]) => `${n} × ${p}`);
}
function round1(n) {
    return Math.round(n * 10) / 10;
}

;// CONCATENATED MODULE: ./lib/http/checks.ts
/**
 * HTTP checks shared by smoke-test and deploy-bluegreen's test-traffic gate: prove over HTTP that
 * a URL answers as expected (status, JSON fields such as imageUri, latency).
 *
 * Phase 1 keeps trying, with capped exponential backoff, until the first response that meets
 * the expectations (a service coming up, or the old version still answering, is not a failure
 * yet). Phase 2 sends `requests` requests at `concurrency`; every one must meet them.
 * The result carries counts and durations, so a benchmark can derive requests per second.
 */






async function runHttpChecks(spec, deps) {
    const clock = deps.clock ?? cancel/* systemClock */.ml;
    const { logger, signal } = deps;
    const target = checkUrl(spec.url, spec.path);
    const ownClient = deps.http ? undefined : createNodeHttpGet({ maxSockets: spec.concurrency });
    const get = deps.http ?? ownClient.get;
    const hostsWhileWaiting = new Set();
    const send = async (timeoutMs) => {
        (0,cancel/* throwIfCancelled */.dZ)(signal);
        const started = external_node_perf_hooks_.performance.now();
        try {
            const response = await get(target, { timeoutMs, followRedirects: spec.followRedirects, signal });
            const latencyMs = external_node_perf_hooks_.performance.now() - started;
            const { problems, host } = evaluate(spec, response);
            return { response, problems, latencyMs, host };
        }
        catch (error) {
            if (signal?.aborted)
                throw (0,cancel/* cancelledFrom */.sp)(signal);
            if (!(error instanceof HttpRequestError))
                throw error;
            return { error: error.message, problems: [error.message], latencyMs: external_node_perf_hooks_.performance.now() - started };
        }
    };
    try {
        // Phase 1: until the first response that meets the expectations.
        const deadline = clock.now() + spec.timeoutMs;
        const backoff = spec.backoff ?? { initialMs: 250, maxMs: 5000 };
        let attempts = 0;
        let last;
        const metExpectations = await (0,cancel/* poll */.wt)({
            clock,
            signal,
            deadline,
            intervalMs: backoff.initialMs,
            nextIntervalMs: (pause) => Math.min(pause * 2, backoff.maxMs),
            check: async () => {
                attempts++;
                // The last attempt before the deadline still gets a fair chance (up to 1 s past it), so its
                // failure shows the real cause rather than an artificially short timeout.
                const left = deadline - clock.now();
                last = await send(Math.min(spec.requestTimeoutMs, Math.max(left, 1000)));
                if (last.problems.length === 0)
                    return { done: true, value: true };
                if (last.host !== undefined)
                    hostsWhileWaiting.add(last.host);
                return { done: false };
            },
            onWait: (wait) => logger.info(`Attempt ${attempts}: ${describeOutcome(last)}; retrying in ${seconds(wait)}`),
            onDeadline: () => false,
        });
        if (!metExpectations) {
            logger.info(`Attempt ${attempts}: ${describeOutcome(last)}; out of time`);
            return failed(spec, target, hostsWhileWaiting, attempts, last, firstSuccessMissing(spec, target, attempts, last));
        }
        logger.info(`Attempt ${attempts}: ${last.response.status} in ${Math.round(last.latencyMs)} ms${last.host ? ` from ${last.host}` : ''}: meets the expectations`);
        // Phase 2: every one of `requests` must meet them.
        const outcomes = [];
        let next = 0;
        const phaseStarted = external_node_perf_hooks_.performance.now();
        const worker = async () => {
            while (next < spec.requests) {
                next++;
                outcomes.push(await send(spec.requestTimeoutMs));
            }
        };
        await Promise.all(Array.from({ length: Math.min(spec.concurrency, spec.requests) }, worker));
        const durationMs = external_node_perf_hooks_.performance.now() - phaseStarted;
        const hosts = new Set([last, ...outcomes].flatMap((o) => (o.host === undefined ? [] : [o.host])));
        return summarise(spec, target, hosts, attempts, last, outcomes, durationMs);
    }
    finally {
        ownClient?.close();
    }
}
function checkUrl(base, path) {
    const url = new URL(base);
    const [pathname, query] = path.split(/\?(.*)/s, 2);
    url.pathname = url.pathname.replace(/\/+$/, '') + pathname;
    if (query !== undefined)
        url.search = query;
    return url;
}
function describeOutcome(outcome) {
    if (outcome.error)
        return outcome.error;
    return `${outcome.response.status}: ${outcome.problems.join('; ')}`;
}
function firstSuccessMissing(spec, target, attempts, last) {
    return [
        `No response from GET ${target} met the expectations within ${seconds(spec.timeoutMs)} (${attempts} attempt${attempts === 1 ? '' : 's'}).`,
        `Expected: ${describeExpectations(spec)}.`,
        `Last attempt: ${last.problems.join('; ')}.`,
        ...responseExcerpt(last.response),
    ].join('\n');
}
function failed(spec, target, hosts, attempts, last, message) {
    return {
        passed: false,
        url: target.toString(),
        status: last.response?.status,
        attempts,
        hosts: [...hosts].sort(),
        requests: { sent: 0, passed: 0, failed: 0 },
        durationMs: 0,
        requestsPerSecond: 0,
        checks: expectationRows(spec, last, []),
        failures: last.problems,
        message,
    };
}
function summarise(spec, target, hosts, attempts, first, outcomes, durationMs) {
    const failedOutcomes = outcomes.filter((o) => o.problems.length > 0);
    const latencies = outcomes.filter((o) => o.response).map((o) => o.latencyMs);
    const p50 = percentile(latencies, 50);
    const p95 = percentile(latencies, 95);
    const failures = countedProblems(failedOutcomes.map((o) => o.problems));
    const checks = expectationRows(spec, first, outcomes);
    const messages = [];
    if (failedOutcomes.length > 0) {
        const firstBad = failedOutcomes[0];
        messages.push(`${failedOutcomes.length} of ${outcomes.length} requests to GET ${target} did not meet the expectations (after the first success on attempt ${attempts}).`, `Expected: ${describeExpectations(spec)}.`, ...failures.map((f) => `  - ${f}`), ...responseExcerpt(firstBad.response));
    }
    if (spec.maxP95Ms !== undefined) {
        const ok = p95 !== undefined && p95 <= spec.maxP95Ms;
        checks.push({
            check: 'p95 latency',
            expected: `≤ ${spec.maxP95Ms} ms`,
            observed: p95 === undefined ? 'no responses' : `${p95} ms`,
            passed: ok,
        });
        if (!ok) {
            messages.push(p95 === undefined
                ? `No response came back to measure the p95 latency against max-p95-ms ${spec.maxP95Ms}.`
                : `p95 latency ${p95} ms is above max-p95-ms ${spec.maxP95Ms} (p50 ${p50} ms, max ${percentile(latencies, 100)} ms over ${latencies.length} requests).`);
        }
    }
    const last = outcomes[outcomes.length - 1] ?? first;
    return {
        passed: messages.length === 0,
        url: target.toString(),
        status: last.response?.status ?? first.response?.status,
        attempts,
        p50Ms: p50,
        p95Ms: p95,
        maxMs: percentile(latencies, 100),
        hosts: [...hosts].sort(),
        requests: { sent: outcomes.length, passed: outcomes.length - failedOutcomes.length, failed: failedOutcomes.length },
        durationMs: round1(durationMs),
        requestsPerSecond: perSecond(outcomes.length, durationMs),
        checks,
        failures,
        message: messages.length ? messages.join('\n') : undefined,
    };
}

;// CONCATENATED MODULE: ./lib/http-checks.ts
/**
 * HTTP checks shared by smoke-test and deploy-bluegreen's test-traffic gate: the public entry of
 * lib/http/ (the client, the expectations, the checks, the statistics and redaction).
 */






;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/test-traffic.ts
/** The test-traffic gate's checks: the same HTTP checks smoke-test runs, against the test listener. */

async function checkTestTraffic(url, spec, signal, logger, http) {
    const result = await logger.group(`Test traffic checks: ${url}${spec.path}`, () => runHttpChecks({
        url,
        path: spec.path,
        expectStatus: 200,
        expectJson: spec.expectJson,
        requests: spec.requests,
        concurrency: Math.min(4, spec.requests),
        timeoutMs: spec.timeoutMs,
        requestTimeoutMs: 10_000,
        followRedirects: false,
    }, { logger, signal, http }));
    if (result.passed) {
        return {
            passed: true,
            message: `${result.requests.passed}/${result.requests.sent} requests to ${result.url} met the expectations${result.p95Ms !== undefined ? `, p95 ${result.p95Ms} ms` : ''}`,
        };
    }
    return { passed: false, message: result.message ?? `checks of ${result.url} failed` };
}

;// CONCATENATED MODULE: ./actions/deploy-bluegreen/src/deploy.lazy.ts
/**
 * What a deploy-bluegreen run needs once its inputs are valid: the AWS clients and the logic.
 * main.ts loads this module with import(), so a run stopped by its inputs loads none of it.
 */








/***/ })

};
