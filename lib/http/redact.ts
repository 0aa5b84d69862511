/**
 * Redaction: a failure message quotes a response body, and the summary a JSON field, and neither
 * may leak credentials into the log.
 */

const SECRET_PATTERNS: [RegExp, string][] = [
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
export function shownValue(value: string, max = 200): string {
  const redacted = redactSecrets(value);
  return redacted.length > max ? `${redacted.slice(0, max)}…` : redacted;
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out.replace(BASE64_RUN, (run) =>
    /[A-Z]/.test(run) && /[a-z]/.test(run) && /\d/.test(run) && !/^[A-Za-z-]+$/.test(run) && looksRandom(run)
      ? '[REDACTED]'
      : run,
  );
}

/** Words joined by slashes or dashes (paths, image names) are not secrets; random strings have few separators. */
function looksRandom(run: string): boolean {
  const separators = (run.match(/[/_-]/g) ?? []).length;
  return separators <= run.length / 16;
}
