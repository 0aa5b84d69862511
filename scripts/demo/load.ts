/**
 * A steady stream of requests to the production URL while a deployment runs, as users would
 * send: a few concurrent clients, each waiting a little between requests. It counts failed
 * requests (a network error, a timeout or any status but 200) and which image answered
 * (the `imageUri` of /host), so the narrative can show traffic moving from blue to green.
 */
import type { Answer } from './expectations.js';

export interface LoadStats {
  sent: number;
  failed: number;
  /** Requests answered per imageUri. */
  byImage: Record<string, number>;
  /** The first few failures, for the narrative. */
  failures: string[];
}

export interface LoadLoopOptions {
  url: string;
  clients?: number;
  /** Real ms each client waits between requests. */
  pauseMs?: number;
  requestTimeoutMs?: number;
  /** Stop after this many requests in all (default: until stop()). */
  maxRequests?: number;
  /** Stop after this many real ms (default: until stop()). */
  maxMs?: number;
}

export class LoadLoop {
  private readonly stats: LoadStats = { sent: 0, failed: 0, byImage: {}, failures: [] };
  private window: Record<string, number> = {};
  private running = true;
  private readonly started = Date.now();
  private readonly clients: Promise<void>[];

  constructor(private readonly options: LoadLoopOptions) {
    this.clients = Array.from({ length: options.clients ?? 4 }, () => this.client());
  }

  private async client(): Promise<void> {
    const timeoutMs = this.options.requestTimeoutMs ?? 5_000;
    while (this.running && !this.outOfBounds()) {
      this.stats.sent++;
      try {
        const response = await fetch(this.options.url, { signal: AbortSignal.timeout(timeoutMs) });
        const text = await response.text();
        if (response.status !== 200) {
          this.fail(`HTTP ${response.status}: ${text.slice(0, 120)}`);
        } else {
          const image = imageOf(text);
          this.stats.byImage[image] = (this.stats.byImage[image] ?? 0) + 1;
          this.window[image] = (this.window[image] ?? 0) + 1;
        }
      } catch (error) {
        this.fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
      await new Promise((resolve) => setTimeout(resolve, this.options.pauseMs ?? 20));
    }
  }

  /** A loop pointed at a real service must end on its own, whatever happens to whoever started it. */
  private outOfBounds(): boolean {
    const { maxRequests, maxMs } = this.options;
    return (
      (maxRequests !== undefined && this.stats.sent >= maxRequests) ||
      (maxMs !== undefined && Date.now() - this.started >= maxMs)
    );
  }

  /** The stats once every client stopped, by stop() or by reaching maxRequests or maxMs. */
  async finished(): Promise<LoadStats> {
    await Promise.all(this.clients);
    return this.snapshot();
  }

  private fail(reason: string): void {
    this.stats.failed++;
    if (this.stats.failures.length < 5) this.stats.failures.push(reason);
  }

  /** Answers per image since the last call, then starts a new window. */
  takeWindow(): Record<string, number> {
    const window = this.window;
    this.window = {};
    return window;
  }

  snapshot(): LoadStats {
    return { ...this.stats, byImage: { ...this.stats.byImage }, failures: [...this.stats.failures] };
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<LoadStats> {
    this.running = false;
    await Promise.all(this.clients);
    return this.snapshot();
  }
}

/** `n` requests one after the other, each answer's status and imageUri (status 0 when unreachable). */
export async function sampleAnswers(url: string, n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const body = (await response.json().catch(() => ({}))) as { imageUri?: string };
      answers.push({ status: response.status, image: body.imageUri ?? '' });
    } catch (error) {
      answers.push({ status: 0, image: String(error) });
    }
  }
  return answers;
}

function imageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { imageUri?: unknown };
    return typeof body.imageUri === 'string' && body.imageUri !== '' ? body.imageUri : '(no imageUri)';
  } catch {
    return '(not JSON)';
  }
}
