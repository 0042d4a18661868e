import { LdtError, maskSecret } from '@ldt/errors';

/** Network settings; every default is in the CLI's option table. */
export interface HttpOptions {
  /** Hub base URL (`--endpoint`, `HF_ENDPOINT`), without a trailing `/`. */
  endpoint: string;
  /** Access token; sent only to the Hub's own origin, never to a CDN host after a redirect. */
  token?: string;
  /** Retries per request after the first try (429, 408, 5xx, resets, timeouts). */
  retries: number;
  /** Give up when the waits of one request would exceed this many milliseconds in total. */
  maxRetryTimeMs: number;
  /** Milliseconds to wait for response headers, and between two body chunks. */
  timeoutMs: number;
  /** First backoff step in milliseconds (doubled per retry, capped at 8×, with jitter). */
  baseDelayMs: number;
  /** Warnings (retries), already masked. */
  warn?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 10;

export interface HubResponse {
  res: Response;
  /** The URL that answered (after redirects). */
  url: string;
  /** Headers of the redirects followed or stopped at, in order. */
  redirects: { status: number; url: string; headers: Headers }[];
  /** Stop reading: aborts the request and its body. */
  abort: () => void;
  /** Re-arm the idle timer (call per body chunk). */
  touch: () => void;
}

/** Request options beyond fetch's. */
export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Return a redirect to another origin instead of following it (to read X-Linked-* headers). */
  stopAtCrossOrigin?: boolean;
  /** What is being fetched, for messages (`the file data/train.parquet of o/n`). */
  what: string;
}

/**
 * HTTP to the Hub and its CDN: manual redirects (the token goes only to the endpoint's origin),
 * retries with exponential backoff and jitter on 408/429/5xx/resets/timeouts honouring
 * `Retry-After` and `RateLimit: …;r=0;t=N`, a bounded total wait, and messages that never show the token.
 */
export class Http {
  private readonly origin: string;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Requests sent (attempts, including retries and redirects); for --stats. */
  requests = 0;
  retried = 0;

  constructor(readonly opts: HttpOptions) {
    this.origin = new URL(opts.endpoint).origin;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Hide the token wherever it could appear in a message. */
  mask(text: string): string {
    const t = this.opts.token;
    return t ? text.split(t).join(maskSecret(t)) : text;
  }

  isHub(url: string): boolean {
    return new URL(url).origin === this.origin;
  }

  /** One request with retries and redirects; the caller checks `res.status` (non-retryable errors are returned, not thrown). */
  async request(url: string, ro: RequestOptions): Promise<HubResponse> {
    let attempt = 0;
    let waited = 0;
    for (;;) {
      let failure: string;
      let delay: number | undefined;
      try {
        const r = await this.once(url, ro);
        if (!RETRY_STATUS.has(r.res.status)) return r;
        failure = `HTTP ${r.res.status}${r.res.statusText ? ` ${r.res.statusText}` : ''}`;
        delay = retryDelay(r.res.headers);
        r.abort();
      } catch (e) {
        if (e instanceof LdtError) throw e;
        failure = describeNetworkError(e);
      }
      const wait = delay ?? this.backoff(attempt);
      if (attempt >= this.opts.retries || waited + wait > this.opts.maxRetryTimeMs) {
        throw new LdtError(
          this.mask(
            `${ro.what}: giving up after ${attempt + 1} attempt${attempt === 0 ? '' : 's'}${waited > 0 ? ` over ${(waited / 1000).toFixed(1)} s of waiting` : ''}: ${failure}`,
          ),
          failure.startsWith('HTTP 429')
            ? 'the Hub is rate-limiting these requests: set HF_TOKEN (higher limits), wait a few minutes, or raise --max-retry-time'
            : 'check the network and --endpoint, or raise --retries / --max-retry-time',
        );
      }
      this.opts.warn?.(this.mask(`${ro.what}: ${failure}; retry ${attempt + 1} of ${this.opts.retries} in ${(wait / 1000).toFixed(1)} s`));
      this.retried++;
      await this.sleep(wait);
      waited += wait;
      attempt++;
    }
  }

  private backoff(attempt: number): number {
    const base = this.opts.baseDelayMs * Math.min(2 ** attempt, 8);
    // Jitter spreads retries of parallel clients; it only affects timing, never output.
    return Math.round(base * (0.5 + Math.random() * 0.5));
  }

  private async once(url: string, ro: RequestOptions): Promise<HubResponse> {
    const redirects: HubResponse['redirects'] = [];
    let current = url;
    for (let hop = 0; ; hop++) {
      const ac = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const touch = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => ac.abort(new TimeoutError(this.opts.timeoutMs)), this.opts.timeoutMs);
        timer.unref();
      };
      const abort = () => {
        if (timer) clearTimeout(timer);
        ac.abort(new DOMException('aborted', 'AbortError'));
      };
      const headers: Record<string, string> = { 'user-agent': 'ldt-hf-fetch/0.1', ...ro.headers };
      // The token goes to the Hub's own origin only: never to a CDN host after a redirect.
      if (this.opts.token && this.isHub(current)) headers.authorization = `Bearer ${this.opts.token}`;
      touch();
      this.requests++;
      let res: Response;
      try {
        res = await fetch(current, { method: ro.method ?? 'GET', headers, redirect: 'manual', signal: ac.signal });
      } catch (e) {
        if (timer) clearTimeout(timer);
        throw ac.signal.aborted && ac.signal.reason instanceof TimeoutError ? ac.signal.reason : e;
      }
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        const next = new URL(loc, current).toString();
        redirects.push({ status: res.status, url: next, headers: res.headers });
        const cross = new URL(next).origin !== new URL(current).origin && !this.isHub(next);
        if (cross && ro.stopAtCrossOrigin) return { res, url: current, redirects, abort, touch };
        await res.body?.cancel().catch(() => {});
        if (timer) clearTimeout(timer);
        if (hop >= MAX_REDIRECTS) throw new LdtError(this.mask(`${ro.what}: more than ${MAX_REDIRECTS} redirects (last to ${stripQuery(next)})`));
        current = next;
        continue;
      }
      if (ro.method === 'HEAD' || (res.status !== 200 && res.status !== 206)) {
        if (timer) clearTimeout(timer);
      }
      return { res, url: current, redirects, abort, touch };
    }
  }
}

/** The wait a retried answer asks for: `Retry-After` (seconds or HTTP date), else `RateLimit` with r=0 (t seconds). */
export function retryDelay(h: Headers): number | undefined {
  const ra = h.get('retry-after');
  if (ra !== null) {
    const secs = Number(ra.trim());
    if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
    const when = Date.parse(ra);
    if (!Number.isNaN(when)) return Math.max(0, when - Date.now());
  }
  const rl = h.get('ratelimit');
  if (rl) {
    const r = /(?:^|;)\s*r=(\d+)/.exec(rl);
    const t = /(?:^|;)\s*t=(\d+)/.exec(rl);
    if (r && Number(r[1]) === 0 && t) return Number(t[1]) * 1000;
  }
  return undefined;
}

export class TimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms / 1000} s`);
    this.name = 'TimeoutError';
  }
}

export function describeNetworkError(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string }; code?: string };
  if (err instanceof TimeoutError) return `timeout (${err.message})`;
  const code = err?.cause?.code ?? err?.code;
  const msg = err?.cause?.message ?? err?.message ?? String(e);
  return code ? `${code} (${msg})` : msg;
}

function stripQuery(u: string): string {
  const i = u.indexOf('?');
  return i < 0 ? u : `${u.slice(0, i)}?…`;
}

/** `owner/name` path segments kept, everything else percent-encoded (`quote(path)` in Python). */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Read a whole body, re-arming the idle timer per chunk. */
export async function readBody(r: HubResponse, onBytes?: (n: number) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  if (!r.res.body) return Buffer.alloc(0);
  for await (const chunk of r.res.body as unknown as AsyncIterable<Uint8Array>) {
    r.touch();
    parts.push(Buffer.from(chunk));
    onBytes?.(chunk.byteLength);
  }
  r.abort();
  return Buffer.concat(parts);
}
