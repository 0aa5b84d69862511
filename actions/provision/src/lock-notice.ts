/**
 * What to tell a user when a cancelled terraform may be killed before it releases its state lock:
 * which lock, and the exact commands that release it. Pure text from the configuration and what
 * terraform printed; main.ts writes it to the log and the job summary at once (a killed process
 * never reaches the end of the run, where the summary is normally written).
 */
import * as path from 'node:path';

export interface LockNoticeInput {
  /** The interrupted subcommand (plan and apply take the lock). */
  command: string;
  /** The stack folder, relative to the workspace when possible. */
  workingDirectory: string;
  backendConfig: Map<string, string>;
  /** Terraform's output so far: a lock ID appears in it when terraform printed its lock info. */
  output: string;
}

export interface LockNotice {
  /** One warning for the log. */
  log: string;
  /** The same for the job summary. */
  markdown: string;
}

/** Terraform's lock info block (`Lock Info:` ... `ID: <uuid>`), as it prints it on lock errors. */
const LOCK_ID = /\bID:\s+([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/i;

export function lockIdFrom(output: string): string | undefined {
  return LOCK_ID.exec(output)?.[1];
}

export function unreleasedLockNotice(input: LockNoticeInput): LockNotice {
  const dir = input.workingDirectory;
  const bucket = input.backendConfig.get('bucket');
  const key = input.backendConfig.get('key');
  const lockId = lockIdFrom(input.output);

  // The S3 backend with use_lockfile keeps the lock as an object next to the state: <key>.tflock.
  // https://developer.hashicorp.com/terraform/language/backend/s3#state-locking
  const where =
    bucket && key
      ? `the S3 lock object s3://${bucket}/${key}.tflock (state key ${key})`
      : `the state lock of the backend configured in ${dir}`;
  const backendArgs = [...input.backendConfig].map(([k, v]) => ` -backend-config=${quote(`${k}=${v}`)}`).join('');
  const init = `terraform -chdir=${quote(dir)} init -input=false${backendArgs}`;
  const unlock = `terraform -chdir=${quote(dir)} force-unlock ${lockId ?? '<LOCK_ID>'}`;
  const findId = lockId
    ? `Terraform printed the lock ID ${lockId}.`
    : bucket && key
      ? `Find <LOCK_ID> in the "ID" field of the lock object (\`aws s3 cp s3://${bucket}/${key}.tflock -\`), or in the "Lock Info" of the next run's "Error acquiring the state lock".`
      : `Find <LOCK_ID> in the "Lock Info" of the next run's "Error acquiring the state lock".`;

  const intro =
    `terraform ${input.command} in ${path.basename(dir)} had not stopped a few seconds after the cancellation, ` +
    `and the runner kills it soon: it may leave ${where} behind, and its state may miss what it did last.`;
  const advice =
    'If the next run fails with "Error acquiring the state lock" and no other run uses this stack, ' +
    'release the lock with these commands (credentials allowed to write the state):';
  return {
    log: `${intro} ${advice}\n  ${init}\n  ${unlock}\n${findId}`,
    markdown: [`> [!WARNING]\n> ${intro}`, advice, `\`\`\`sh\n${init}\n${unlock}\n\`\`\``, findId].join('\n\n'),
  };
}

/** A shell word: left alone when plain, single-quoted otherwise. */
function quote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
