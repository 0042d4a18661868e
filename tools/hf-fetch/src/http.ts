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

/**
 * The classes of request hf-fetch makes, each named in messages so a user knows which call failed.
 * Every one goes through the same retry path (`Http.open` + `Retry`), body included.
 */
export type RequestClass = 'info' | 'auth-check' | 'listing' | 'resolve' | 'download' | 'range' | 'search' | 'parquet-listing';

const CLASS_LABEL: Record<RequestClass, string> = {
  info: 'dataset info request (GET /api/datasets/…/revision/…)',
  'auth-check': 'access check (GET /api/datasets/…/auth-check)',
  listing: 'file listing (GET /api/datasets/…/tree/…)',
  resolve: 'file metadata request (HEAD /datasets/…/resolve/…)',
  download: 'file download (GET on the resolved file URL)',
  range: 'parquet range read (GET with Range on the resolved file URL)',
  search: 'dataset search (GET /api/datasets?search=…)',
  'parquet-listing': 'parquet conversion listing (GET /api/datasets/…/parquet)',
};

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
  /** The timeout, when the idle timer fired (the answer or body stalled longer than --timeout). */
  timedOut: () => TimeoutError | undefined;
}

/** Request options beyond fetch's. */
export interface RequestOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Return a redirect to another origin instead of following it (to read X-Linked-* headers). */
  stopAtCrossOrigin?: boolean;
  /** What is being fetched, for messages (`the file data/train.parquet of o/n`). */
  what: string;
  /** Which kind of request this is, named when it gives up. */
  kind: RequestClass;
  /** Retries for this request, when fewer than --retries (a best-effort request such as the search). */
  retries?: number;
  /** Total wait for this request, when less than --max-retry-time (milliseconds). */
  maxRetryTimeMs?: number;
  /** No warning per retry (a best-effort request whose failure changes nothing). */
  quiet?: boolean;
}

/**
 * A body that ended before it was whole: the connection was cut or reset, or it stalled past
 * --timeout. Thrown by `bodyChunks`/`readBody` (and by readers that know the expected size); the
 * retry path treats it like a failed request.
 */
export class CutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CutError';
  }
}

/** The retry budget of one request was used up; says which request class and how many attempts. */
export class GaveUpError extends LdtError {
  constructor(
    message: string,
    hint: string,
    readonly kind: RequestClass,
    readonly attempts: number,
  ) {
    super(message, hint);
  }
}

/** True for the failures a retry may cure: network errors, timeouts, cut bodies (not ldt's own errors, not bugs). */
export function isTransient(e: unknown): boolean {
  if (e instanceof LdtError) return false;
  if (e instanceof CutError || e instanceof TimeoutError) return true;
  // fetch() rejects with TypeError('fetch failed', {cause}) on resets, refusals and DNS errors.
  const err = e as Error & { cause?: unknown };
  return err instanceof TypeError && err.cause !== undefined;
}

/**
 * The retry state of one logical request (all its attempts, resumed reads included): the attempt
 * count, the total wait, the backoff and the message when it gives up. The one place hf-fetch
 * decides whether and how long to wait.
 */
export class Retry {
  attempt = 0;
  waited = 0;
  constructor(
    private readonly http: Http,
    private readonly ro: RequestOptions,
  ) {}

  /** Bytes arrived since the last failure: the count starts again (a resumed download that moves on is not stuck). */
  progressed(): void {
    this.attempt = 0;
    this.waited = 0;
  }

  /** Record a failed attempt: wait before the next one, or throw `GaveUpError` when the budget is spent. */
  async failed(failure: string, delay?: number): Promise<void> {
    const { opts } = this.http;
    const retries = Math.min(opts.retries, this.ro.retries ?? opts.retries);
    const wait = delay ?? this.http.backoff(this.attempt);
    if (this.attempt >= retries || this.waited + wait > Math.min(opts.maxRetryTimeMs, this.ro.maxRetryTimeMs ?? opts.maxRetryTimeMs)) {
      const n = this.attempt + 1;
      throw new GaveUpError(
        this.http.mask(
          `${this.ro.what}: giving up on the ${CLASS_LABEL[this.ro.kind]} after ${n} attempt${n === 1 ? '' : 's'}${this.waited > 0 ? ` over ${(this.waited / 1000).toFixed(1)} s of waiting` : ''}: ${failure}`,
        ),
        failure.startsWith('HTTP 429')
          ? 'the Hub is rate-limiting these requests: set HF_TOKEN (higher limits), wait a few minutes, or raise --max-retry-time'
          : 'check the network and --endpoint, or raise --retries / --max-retry-time',
        this.ro.kind,
        n,
      );
    }
    if (!this.ro.quiet) opts.warn?.(this.http.mask(`${this.ro.what}: ${failure}; retry ${this.attempt + 1} of ${retries} in ${(wait / 1000).toFixed(1)} s`));
    this.http.retried++;
    await this.http.sleep(wait);
    this.waited += wait;
    this.attempt++;
  }
}

/**
 * HTTP to the Hub and its CDN: manual redirects (the token goes only to the endpoint's origin),
 * retries with exponential backoff and jitter on 408/429/5xx, resets, timeouts and cut bodies,
 * honouring `Retry-After` and `RateLimit: …;r=0;t=N`, a bounded total wait, and messages that
 * never show the token. Every request of every class goes through `open` (answers) and `call`
 * (answer and body), or `open` + `Retry` for resumable reads.
 */
export class Http {
  private readonly origin: string;
  readonly sleep: (ms: number) => Promise<void>;
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

  /**
   * An answer that is not retryable (the caller checks `res.status`: errors such as 404 are
   * returned, not thrown), after retrying 408/429/5xx and network failures on `retry`'s budget.
   * The body is the caller's to read; a cut while reading it goes back to `retry.failed`.
   */
  async open(url: string, ro: RequestOptions, retry = new Retry(this, ro)): Promise<HubResponse> {
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
        if (!isTransient(e)) throw e;
        failure = describeNetworkError(e);
      }
      await retry.failed(failure, delay);
    }
  }

  /**
   * One request whose answer and body are read by `consume`, retried as a whole: a failed
   * request, or a body cut, reset or stalled inside `consume` (`CutError`), is tried again on the
   * same budget. Errors `consume` throws on purpose (`LdtError`) end it.
   */
  async call<T>(url: string, ro: RequestOptions, consume: (r: HubResponse) => Promise<T>): Promise<T> {
    const retry = new Retry(this, ro);
    for (;;) {
      const r = await this.open(url, ro, retry);
      try {
        return await consume(r);
      } catch (e) {
        if (!isTransient(e)) throw e;
        await retry.failed(describeNetworkError(e));
      } finally {
        r.abort();
      }
    }
  }

  /** The next backoff step: base × 2^attempt, capped at 8×, with jitter. */
  backoff(attempt: number): number {
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
        if (!ac.signal.aborted) ac.abort(new DOMException('aborted', 'AbortError'));
      };
      const timedOut = () => (ac.signal.aborted && ac.signal.reason instanceof TimeoutError ? ac.signal.reason : undefined);
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
        throw timedOut() ?? e;
      }
      const loc = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && loc) {
        const next = new URL(loc, current).toString();
        redirects.push({ status: res.status, url: next, headers: res.headers });
        const cross = new URL(next).origin !== new URL(current).origin && !this.isHub(next);
        if (cross && ro.stopAtCrossOrigin) return { res, url: current, redirects, abort, touch, timedOut };
        await res.body?.cancel().catch(() => {});
        if (timer) clearTimeout(timer);
        if (hop >= MAX_REDIRECTS) throw new LdtError(this.mask(`${ro.what}: more than ${MAX_REDIRECTS} redirects (last to ${stripQuery(next)})`));
        current = next;
        continue;
      }
      if (ro.method === 'HEAD' || (res.status !== 200 && res.status !== 206)) {
        if (timer) clearTimeout(timer);
      }
      return { res, url: current, redirects, abort, touch, timedOut };
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

/**
 * The chunks of a body, re-arming the idle timer per chunk. A body that breaks off (reset, cut,
 * or silent past --timeout) throws `CutError`, which the retry path retries or resumes.
 */
export async function* bodyChunks(r: HubResponse): AsyncGenerator<Uint8Array> {
  if (!r.res.body) return;
  let n = 0;
  try {
    for await (const chunk of r.res.body as unknown as AsyncIterable<Uint8Array>) {
      r.touch();
      n += chunk.byteLength;
      yield chunk;
    }
  } catch (e) {
    const stalled = r.timedOut();
    throw new CutError(`connection ${stalled ? 'stalled' : 'cut'} after ${n} bytes of the body (${describeNetworkError(stalled ?? e)})`);
  }
}

/** Read a whole body (see `bodyChunks`: a cut body throws `CutError`). */
export async function readBody(r: HubResponse, onBytes?: (n: number) => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of bodyChunks(r)) {
    parts.push(Buffer.from(chunk));
    onBytes?.(chunk.byteLength);
  }
  r.abort();
  return Buffer.concat(parts);
}
