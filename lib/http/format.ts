/** How the HTTP checks write durations in messages. */

/** `0.3 s` under ten seconds when not whole, else whole seconds: `12 s`. */
export function seconds(ms: number): string {
  return ms < 10_000 && ms % 1000 !== 0 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
