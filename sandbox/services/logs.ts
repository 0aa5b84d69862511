/**
 * CloudWatch Logs as far as the suite reads it: GetLogEvents on the streams the awslogs driver
 * writes for sandbox tasks (`prefix/container/task-id`). A stream is a live view of the task
 * process's output (its last lines, as the task runtime keeps them).
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
 */
import { AwsError, type ServiceHandlers } from '../contracts.js';
import { bool, num, str } from '../protocol.js';

export interface LogLine {
  timestamp: number;
  message: string;
}

export interface LogsService {
  handlers: ServiceHandlers;
  /** Serves `lines()` as the stream `group`/`stream`; the group exists from then on. */
  attach(group: string, stream: string, lines: () => LogLine[]): void;
  state(): unknown;
}

/** GetLogEvents' limit: 1 to 10,000 events (API model: EventsLimit, min 1). */
const MAX_LIMIT = 10_000;

export function createLogsService(): LogsService {
  const groups = new Map<string, Map<string, () => LogLine[]>>();

  /** A group by name, or by its identifier (name or ARN `arn:aws:logs:region:account:log-group:name`). */
  function groupName(input: Record<string, unknown>): string {
    const name = str(input, 'logGroupName');
    const identifier = str(input, 'logGroupIdentifier');
    if (name && identifier) {
      throw new AwsError(
        'InvalidParameterException',
        'LogGroup name and LogGroup ARN are mutually exclusive parameters.',
      );
    }
    const value = name ?? identifier?.replace(/^arn:aws[a-z-]*:logs:[^:]*:\d*:log-group:/, '').replace(/:\*$/, '');
    if (!value)
      throw new AwsError('InvalidParameterException', 'Either logGroupName or logGroupIdentifier is required.');
    return value;
  }

  const handlers: ServiceHandlers = {
    GetLogEvents(input) {
      const streams = groups.get(groupName(input));
      if (!streams) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
      const streamName = str(input, 'logStreamName');
      if (!streamName) throw new AwsError('InvalidParameterException', 'logStreamName is required.');
      const source = streams.get(streamName);
      if (!source) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
      const limit = num(input, 'limit') ?? MAX_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
        throw new AwsError('InvalidParameterException', `limit must be between 1 and ${MAX_LIMIT}.`);
      }
      const all = source();
      // Without startFromHead (false by default) the newest events come back, still oldest first.
      const fromHead = bool(input, 'startFromHead') ?? false;
      const events = fromHead ? all.slice(0, limit) : all.slice(Math.max(0, all.length - limit));
      const first = fromHead ? 0 : Math.max(0, all.length - limit);
      return {
        events: events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp })),
        nextForwardToken: `f/${String(first + events.length).padStart(56, '0')}`,
        nextBackwardToken: `b/${String(first).padStart(56, '0')}`,
      };
    },
  };

  return {
    handlers,
    attach(group, stream, lines) {
      let streams = groups.get(group);
      if (!streams) groups.set(group, (streams = new Map()));
      streams.set(stream, lines);
    },
    state() {
      return [...groups.entries()].map(([name, streams]) => ({ name, streams: [...streams.keys()] }));
    },
  };
}
