import { closeSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { editDistance } from '@ldt/cli';
import { LdtError, maskSecret } from '@ldt/errors';
import { createTempFile, untrackTemp } from '@ldt/ndjson';
import type { AsyncBuffer } from 'hyparquet';
import { bodyChunks, CutError, encodePath, type Http, type HubResponse, isTransient, type RequestOptions, Retry, readBody } from './http.js';

/** A file of a repository listing. */
export interface RepoFile {
  path: string;
  size?: number;
}

/** What `GET /api/datasets/{id}/revision/{rev}` says about a dataset. */
export interface DatasetInfo {
  sha: string;
  gated: false | string;
  private: boolean;
  cardData?: unknown;
}

/** Where a file's bytes are served and its identity (the cache blob name). */
export interface ResolvedFile {
  url: string;
  etag: string | undefined;
  size: number | undefined;
}

/** The Hub API calls hf-fetch makes (see ../shared/docs/hf-hub-api.md §3), with its error rules (§4). */
export class Hub {
  constructor(
    readonly http: Http,
    readonly endpoint: string,
  ) {}

  get hasToken(): boolean {
    return this.http.opts.token !== undefined;
  }

  /** Resolve a revision to its commit and read the card data: one call, at the start. */
  async info(id: string, rev: string): Promise<DatasetInfo> {
    try {
      return await this.infoOnce(id, rev);
    } catch (e) {
      if (!(e instanceof RepoNotFoundError)) throw e;
      const near = await this.similarIds(id);
      if (near.length === 0) throw e;
      const list = near.length === 1 ? near[0] : `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}`;
      throw new RepoNotFoundError(`${e.message}; did you mean ${list}?`, e.hint);
    }
  }

  private async infoOnce(id: string, rev: string): Promise<DatasetInfo> {
    const url = `${this.endpoint}/api/datasets/${id}/revision/${encodeURIComponent(rev)}`;
    return this.http.call(url, { what: `dataset ${id}`, kind: 'info', headers: { accept: 'application/json' } }, async (r) => {
      if (r.res.status !== 200) throw await this.error(r, { id, rev });
      const j = jsonAnswer(await readBody(r), `dataset ${id}: the Hub's answer to the info request`) as Record<string, unknown>;
      if (typeof j.sha !== 'string') throw new LdtError(`dataset ${id}: the Hub's answer has no commit sha for revision ${JSON.stringify(rev)}`);
      return { sha: j.sha, gated: (j.gated as false | string) ?? false, private: j.private === true, cardData: j.cardData };
    });
  }

  /**
   * Gated repos answer the info call even without access (since Aug 2024); `auth-check` says up
   * front whether this token may read files, so the user gets the gated message before any download.
   */
  async authCheck(id: string): Promise<void> {
    await this.http.call(`${this.endpoint}/api/datasets/${id}/auth-check`, { what: `dataset ${id}`, kind: 'auth-check' }, async (r) => {
      if (r.res.status !== 200) throw await this.error(r, { id });
      // Read the (tiny) body too: an answer cut midway is retried like any other.
      await readBody(r);
    });
  }

  /** Every file of the repository at `sha` (recursive tree listing, following `Link` pages), via @huggingface/hub. */
  async listFiles(id: string, sha: string): Promise<RepoFile[]> {
    const { listFiles } = await import('@huggingface/hub');
    const files: RepoFile[] = [];
    // @huggingface/hub builds the URLs and follows the pages; our fetch adds retries, the token
    // (Hub origin only) and the error messages.
    const fetchVia = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const headers: Record<string, string> = {};
      new Headers(init?.headers).forEach((v, k) => {
        if (k !== 'authorization') headers[k] = v;
      });
      // The whole page (answer and body) is one retried request: a page cut midway is fetched again.
      return this.http.call(String(input instanceof Request ? input.url : input), { what: `dataset ${id}`, kind: 'listing', headers }, async (r) => {
        if (r.res.status !== 200) throw await this.error(r, { id, rev: sha });
        const body = await readBody(r);
        return new Response(body, { status: 200, headers: r.res.headers });
      });
    };
    for await (const e of listFiles({ repo: { type: 'dataset', name: id }, revision: sha, recursive: true, hubUrl: this.endpoint, fetch: fetchVia as typeof fetch })) {
      if (e.type === 'file') files.push({ path: e.path, size: e.size });
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Where a file is served: a HEAD on `/resolve/<sha>/<path>` that follows relative redirects
   * (renames, resolve-cache) and stops at the redirect to a CDN host, whose headers carry
   * `X-Linked-Etag` and `X-Linked-Size` (the token is never sent there).
   */
  async resolve(id: string, sha: string, path: string): Promise<ResolvedFile> {
    const url = `${this.endpoint}/datasets/${id}/resolve/${encodeURIComponent(sha)}/${encodePath(path)}`;
    const ro: RequestOptions = { method: 'HEAD', stopAtCrossOrigin: true, what: `${path} of ${id}`, kind: 'resolve', headers: { 'accept-encoding': 'identity' } };
    return this.http.call(url, ro, async (r) => {
      const h = r.res.headers;
      if (r.res.status >= 300 && r.res.status < 400) {
        const last = r.redirects[r.redirects.length - 1];
        return { url: last.url, etag: normEtag(h.get('x-linked-etag') ?? h.get('etag')), size: num(h.get('x-linked-size')) };
      }
      if (r.res.status !== 200) throw await this.error(r, { id, rev: sha, path });
      return { url: r.url, etag: normEtag(h.get('x-linked-etag') ?? h.get('etag')), size: num(h.get('x-linked-size')) ?? num(h.get('content-length')) };
    });
  }

  /**
   * Dataset ids close to `id` by edit distance, from the Hub's search (`GET /api/datasets?search=…&author=…`,
   * a case-insensitive substring match on the id; hf-hub-api.md §3.4b): searched by the owner and the
   * longest words of the name, then by those words alone (the owner may be the typo). At most
   * three, closest first; none when nothing is close, and none on any error (it only adds a hint,
   * so a failing search is retried once, quietly, waiting at most 2 s, and never changes the message).
   */
  async similarIds(id: string): Promise<string[]> {
    const slash = id.indexOf('/');
    const owner = slash < 0 ? undefined : id.slice(0, slash);
    const name = slash < 0 ? id : id.slice(slash + 1);
    const words = [...new Set(name.split(/[-_.\s]+/).filter((w) => w.length >= 3))].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0)).slice(0, 2);
    if (words.length === 0) words.push(name);
    const queries: Record<string, string>[] = [
      ...(owner ? words.map((w) => ({ search: w, author: owner })) : []),
      ...(owner ? [{ author: owner }] : []),
      ...words.map((w) => ({ search: w })),
    ];
    const found = new Set<string>();
    try {
      for (const q of queries) {
        for (const hit of await this.search(q)) found.add(hit);
        if (close(id, found).length > 0) break;
      }
    } catch {
      return [];
    }
    return close(id, found);
  }

  /** One page (up to 100 ids) of `GET /api/datasets` with these query parameters. */
  private async search(params: Record<string, string>): Promise<string[]> {
    const qs = new URLSearchParams({ ...params, limit: '100' }).toString();
    const ro: RequestOptions = {
      what: 'dataset search',
      kind: 'search',
      headers: { accept: 'application/json' },
      retries: Math.min(1, this.http.opts.retries),
      maxRetryTimeMs: 2000,
      quiet: true,
    };
    return this.http.call(`${this.endpoint}/api/datasets?${qs}`, ro, async (r) => {
      if (r.res.status !== 200) throw new LdtError(`dataset search: HTTP ${r.res.status}`);
      const j = jsonAnswer(await readBody(r), 'the answer to the dataset search');
      if (!Array.isArray(j)) throw new LdtError('dataset search: the answer is not a list');
      return j.map((x) => (x as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string');
    });
  }

  /** Turn a Hub error answer into a message that says which case it is and what to do (§4). */
  async error(r: HubResponse, ctx: { id: string; rev?: string; path?: string }): Promise<LdtError> {
    const { res } = r;
    const h = res.headers;
    let msg = h.get('x-error-message') ?? '';
    if (!msg) {
      try {
        const body = (await readBody(r)).toString('utf8');
        const j = JSON.parse(body) as { error?: unknown; message?: unknown };
        msg = typeof j.error === 'string' ? j.error : typeof j.message === 'string' ? j.message : '';
      } catch {
        msg = '';
      }
    } else r.abort();
    const code = h.get('x-error-code') ?? '';
    const rid = h.get('x-request-id');
    const tail = rid ? ` (request id ${rid})` : '';
    const page = `${this.endpoint}/datasets/${ctx.id}`;
    const token = this.http.opts.token;
    const mk = (m: string, hint?: string, As: typeof LdtError = LdtError) => new As(this.http.mask(m + tail), hint && this.http.mask(hint));
    const notFound = (m: string, hint: string) => mk(m, hint, RepoNotFoundError);
    if (res.status === 401 && /invalid credentials/i.test(msg))
      return mk(
        `the Hub rejected the access token (${token ? maskSecret(token) : 'none'}): invalid credentials`,
        'HF_TOKEN (or the token file) holds an unknown or revoked token; create a new one in your Hub settings, or unset HF_TOKEN for public data',
      );
    if (code === 'GatedRepo' && res.status === 401)
      return mk(
        `dataset ${ctx.id} is gated: you must be logged in and have accepted its conditions to read its files`,
        `accept the conditions at ${page}, then set HF_TOKEN to a token of that account`,
      );
    if (code === 'GatedRepo')
      return mk(
        `dataset ${ctx.id} is gated and this token's account is not on its authorized list`,
        `visit ${page} to ask for access (or accept its conditions), or use a token of an account that has access`,
      );
    if (code === 'RevisionNotFound')
      return mk(`dataset ${ctx.id} has no revision ${JSON.stringify(ctx.rev ?? '')}`, 'check --revision: a branch, a tag or a commit sha', RevisionNotFoundError);
    if (code === 'EntryNotFound' || (res.status === 404 && ctx.path && code !== 'RepoNotFound'))
      return mk(`${ctx.path ?? 'a file'}: not found in dataset ${ctx.id} at ${ctx.rev ?? 'this revision'}`, 'check the path (case matters) and --revision');
    if (code === 'RepoNotFound' || res.status === 401 || res.status === 404)
      return this.hasToken
        ? notFound(
            `dataset ${ctx.id} not found, or your token has no access to it (private)`,
            `check the name (owner/name, case matters) at ${page}; for a private dataset, use a token of an account that can read it`,
          )
        : notFound(`dataset ${ctx.id} not found, or it is private`, `check the name (owner/name, case matters); if it is private or gated, set HF_TOKEN to an access token`);
    if (res.status === 403) return mk(`access to dataset ${ctx.id} is refused: ${msg || 'HTTP 403'}`, `see ${page}`);
    return mk(`dataset ${ctx.id}${ctx.path ? `, ${ctx.path}` : ''}: HTTP ${res.status}${msg ? `: ${msg}` : ''}`);
  }
}

/** The Hub says the dataset does not exist (or is private): the message a did-you-mean is added to. */
export class RepoNotFoundError extends LdtError {}

/** The Hub says the dataset has no such revision (branch, tag or commit). */
export class RevisionNotFoundError extends LdtError {}

/**
 * The ids of `found` within a few edits of `id` (case-insensitive; at most a third of its length,
 * at least 2) and at most one edit further than the closest, closest first, then in byte order; at most three.
 */
function close(id: string, found: Iterable<string>): string[] {
  const want = id.toLowerCase();
  const max = Math.max(2, Math.floor(want.length / 3));
  const near = [...found]
    .filter((f) => f !== id)
    .map((f) => [f, editDistance(want, f.toLowerCase())] as const)
    .filter(([, d]) => d <= max)
    .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // Only those about as close as the closest: one edit away does not come with five-edit cousins.
  return near
    .filter(([, d]) => d <= near[0][1] + 1)
    .slice(0, 3)
    .map(([f]) => f);
}

/** A non-2xx answer from the file host (usually the CDN; the Hub itself for small files). */
async function fileHostError(hub: Hub, r: HubResponse, what: string): Promise<LdtError> {
  if (hub.http.isHub(r.url)) {
    const [id, ...rest] = what.split('/');
    return hub.error(r, { id: `${id}/${rest[0] ?? ''}`, path: rest.slice(1).join('/') || what });
  }
  r.abort();
  const st = r.res.status;
  return new LdtError(
    hub.http.mask(`${what}: the file host answered HTTP ${st}${r.res.statusText ? ` ${r.res.statusText}` : ''}`),
    st === 403 || st === 401 ? 'the signed download URL may have expired; run hf-fetch again' : st === 416 ? 'the file changed size on the server; run hf-fetch again' : undefined,
  );
}

function num(s: string | null): number | undefined {
  if (s === null || !/^\d+$/.test(s.trim())) return undefined;
  return Number(s);
}

/** `W/"abc"` → `abc` (huggingface_hub `_normalize_etag`). */
export function normEtag(s: string | null): string | undefined {
  if (!s) return undefined;
  return s.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

/** Reports bytes received, for progress and --stats. */
export type OnBytes = (n: number) => void;

/**
 * Download `url` into `tmp`, resuming with `Range: bytes=<written>-` when the connection is cut (a
 * 200 to a ranged request means the server ignored it: start over). Cuts go to the request's one
 * `Retry` budget, which starts again whenever the download gets further than before. Checks the
 * final size against `size` when known. `tmp` stays tracked (removed on a signal or exit) until the
 * caller renames it into place and calls `untrackTemp(tmp)`.
 */
export async function downloadToFile(hub: Hub, url: string, tmp: string, size: number | undefined, what: string, onBytes?: OnBytes): Promise<number> {
  // Created now and tracked, so an interrupted download (SIGINT, SIGTERM, SIGHUP) leaves no
  // .incomplete file behind; reopened without O_CREAT, so a removed one is never created again.
  closeSync(createTempFile(tmp));
  const fh = await open(tmp, 'r+');
  let written = 0;
  let furthest = 0;
  const http = hub.http;
  const ro: RequestOptions = { what, kind: 'download' };
  const retry = new Retry(http, ro);
  try {
    for (;;) {
      const r = await http.open(url, { ...ro, headers: written > 0 ? { range: `bytes=${written}-` } : {} }, retry);
      try {
        const st = r.res.status;
        if (st === 416 && size !== undefined && written === size) break;
        if (st !== 200 && st !== 206) throw await fileHostError(hub, r, what);
        if (written > 0 && (st === 200 || rangeStart(r.res.headers) !== written)) {
          // The server ignored or misapplied the range: start over from byte 0.
          await fh.truncate(0);
          written = 0;
          if (st === 206) continue;
        }
        for await (const chunk of bodyChunks(r)) {
          await fh.write(chunk, 0, chunk.byteLength, written);
          written += chunk.byteLength;
          onBytes?.(chunk.byteLength);
          if (written > furthest) {
            furthest = written;
            retry.progressed();
          }
        }
        if (size !== undefined && written < size) throw new CutError(`connection closed after ${written} of ${size} bytes`);
        break;
      } catch (e) {
        if (!isTransient(e)) throw e;
        await retry.failed(`download cut at byte ${written}${size !== undefined ? ` of ${size}` : ''} (${(e as Error).message}), resuming from there`);
      } finally {
        r.abort();
      }
    }
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    untrackTemp(tmp);
    throw e;
  }
  await fh.close();
  if (size !== undefined && written !== size) {
    await rm(tmp, { force: true });
    untrackTemp(tmp);
    throw new LdtError(`${what}: downloaded ${written} bytes, expected ${size} (consistency check failed)`, 'run again; if it persists the file changed on the server');
  }
  return written;
}

function rangeStart(h: Headers): number | undefined {
  const m = /^bytes (\d+)-/.exec(h.get('content-range') ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Fetch bytes [start, end) of `url`: one request on the retry path (a cut or short body is requested again). */
export async function fetchRange(hub: Hub, url: string, start: number, end: number, what: string, onBytes?: OnBytes): Promise<ArrayBuffer> {
  return hub.http.call(url, { what, kind: 'range', headers: { range: `bytes=${start}-${end - 1}` } }, async (r) => {
    const st = r.res.status;
    if (st !== 200 && st !== 206) throw await fileHostError(hub, r, what);
    const body = await readBody(r, onBytes);
    if (st === 200) {
      // The server ignored the range and sent the whole file.
      if (body.length < end) throw new CutError(`got ${body.length} bytes of a whole-file answer, needed ${end}`);
      const b = body.subarray(start, end);
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }
    if (rangeStart(r.res.headers) !== start) throw new LdtError(hub.http.mask(`${what}: the server answered the range ${start}-${end - 1} at another offset`));
    if (body.length !== end - start) throw new CutError(`got ${body.length} of the ${end - start} bytes of range ${start}-${end - 1}`);
    return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  });
}

/** A parquet `AsyncBuffer` over HTTP range requests (one request per slice hyparquet asks for). */
export function remoteBuffer(hub: Hub, url: string, size: number, what: string, onBytes?: OnBytes): AsyncBuffer {
  return { byteLength: size, slice: (start: number, end?: number) => fetchRange(hub, url, start, end ?? size, what, onBytes) };
}

/** The body of `url` as a stream, resuming with `Range` where the connection is cut (for --no-cache), on one `Retry` budget. */
export function resumableStream(hub: Hub, url: string, size: number | undefined, what: string, onBytes?: OnBytes): Readable {
  const http = hub.http;
  const ro: RequestOptions = { what, kind: 'download' };
  async function* gen(): AsyncGenerator<Buffer> {
    const retry = new Retry(http, ro);
    let got = 0;
    for (;;) {
      const r = await http.open(url, { ...ro, headers: got > 0 ? { range: `bytes=${got}-` } : {} }, retry);
      try {
        const st = r.res.status;
        if (st !== 200 && st !== 206) throw await fileHostError(hub, r, what);
        let skip = st === 200 ? got : rangeStart(r.res.headers) === got ? 0 : -1;
        if (skip < 0) throw new LdtError(`${what}: the server answered a resumed read at another offset`);
        for await (const c of bodyChunks(r)) {
          let b = Buffer.from(c);
          if (skip > 0) {
            const n = Math.min(skip, b.length);
            skip -= n;
            b = b.subarray(n);
            if (b.length === 0) continue;
          }
          got += b.length;
          retry.progressed();
          onBytes?.(b.length);
          yield b;
        }
        if (size !== undefined && got < size) throw new CutError(`connection closed after ${got} of ${size} bytes`);
        return;
      } catch (e) {
        if (!isTransient(e)) throw e;
        await retry.failed(`download cut at byte ${got}${size !== undefined ? ` of ${size}` : ''} (${(e as Error).message}), resuming from there`);
      } finally {
        // Also when the reader stops early (--limit): release the connection and its idle timer.
        r.abort();
      }
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

/** Parse a JSON answer of the Hub; a body that is not JSON is an error naming the request (not retried: it arrived whole). */
export function jsonAnswer(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new LdtError(`${what} is not JSON (${(e as Error).message})`, 'check --endpoint: it must be a Hugging Face Hub');
  }
}
