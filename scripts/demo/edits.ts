/**
 * The commits a release rehearsal makes to the sample app: a visible change of /host, another one
 * promoted from staging to production, then a /health that fails. Shared by `npm run demo` and the live check on AWS (.github/workflows/e2e-aws.yml),
 * so both deploy the same changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface AppEdit {
  /** The file, relative to the folder that holds app/. */
  file: string;
  from: string;
  to: string;
  /** The commit message. */
  message: string;
}

export const APP_EDITS = {
  change: {
    file: 'app/src/routes.js',
    from: 'Request handled by backend',
    to: 'Request handled by the new backend',
    message: 'Say "the new backend" in /host',
  },
  promoted: {
    file: 'app/src/routes.js',
    from: 'Request handled by the new backend',
    to: 'Request handled by the promoted backend',
    message: 'Say "the promoted backend" in /host',
  },
  broken: {
    file: 'app/src/routes.js',
    from: "if (path === '/health') return sendJson(res, 200, { status: 'ok' });",
    to: "if (path === '/health') return sendJson(res, 500, { status: 'broken on purpose by the demo' });",
    message: 'Break /health',
  },
} satisfies Record<string, AppEdit>;

/** Replaces `from` with `to` in the file; the edits must apply, so a miss is an error. */
export function applyEdit(path: string, edit: AppEdit): void {
  const text = readFileSync(path, 'utf8');
  if (!text.includes(edit.from)) {
    throw new Error(`${path} no longer contains ${JSON.stringify(edit.from)}: update scripts/demo/edits.ts`);
  }
  writeFileSync(path, text.replace(edit.from, edit.to));
}
