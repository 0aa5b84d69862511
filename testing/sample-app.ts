/**
 * Reading the sample app (app/) as a client would, for tests that deploy it to the sandbox.
 */

/** The `version` field of `n` answers of the app's `/host` route at `url` (or the status when none). */
export async function versionsServed(url: string, n = 5): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const response = await fetch(`${url}/host`);
    const body = (await response.json()) as { version?: string };
    seen.push(body.version ?? `status ${response.status}`);
  }
  return seen;
}
