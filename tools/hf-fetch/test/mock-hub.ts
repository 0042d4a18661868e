/**
 * A local mock of the Hugging Face Hub for the tests, faithful to ../shared/docs/hf-hub-api.md:
 * info (`/api/datasets/{id}/revision/{rev}`), `auth-check`, the paginated tree listing (small pages,
 * absolute `Link: <…>; rel="next"`), `resolve` answering 302 to a separate CDN server (another
 * origin) with `X-Linked-Etag`/`X-Linked-Size` for LFS files and 307 to `/api/resolve-cache/…` for
 * small git files, Range support on the CDN (206/416), the parquet listing, 401-vs-404 rules,
 * gated repos, invalid tokens, the dataset search (`/api/datasets?search=…&author=…`), and injected
 * faults on any request class of either server (`requestClass`): 429 with Retry-After or RateLimit,
 * 500/503, a connection reset before any answer, a body cut midway, headers that never come (hang),
 * a body that stops midway and stays silent (stall).
 * Both servers listen on 127.0.0.1, ephemeral ports; `close()` stops them.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockRepo {
  /** refs: branch or ref name → commit sha. */
  refs: Record<string, string>;
  /** commit sha → files (path → content). */
  commits: Record<string, Record<string, Buffer>>;
  gated?: 'manual' | 'auto';
  private?: boolean;
  cardData?: unknown;
}

/** What a request is, as hf-fetch's messages name it (its `RequestClass`), from its method, path and range. */
export type RequestClass = 'info' | 'auth-check' | 'listing' | 'resolve' | 'download' | 'range' | 'search' | 'parquet-listing' | 'other';

export interface FaultRequest {
  method: string;
  path: string;
  server: 'hub' | 'cdn';
  range?: string;
  /** The request class (see `requestClass`). */
  kind: RequestClass;
}

/** The class of a request to the mock: which hf-fetch call it is. */
export function requestClass(method: string, path: string, server: 'hub' | 'cdn', range?: string): RequestClass {
  if (server === 'cdn') return method === 'GET' && range !== undefined && /^bytes=\d+-\d+$/.test(range) ? 'range' : 'download';
  if (path === '/api/datasets') return 'search';
  if (path.startsWith('/api/resolve-cache/') || /^\/datasets\/[^/]+\/[^/]+\/resolve\//.test(path))
    return method === 'HEAD' ? 'resolve' : range !== undefined && /^bytes=\d+-\d+$/.test(range) ? 'range' : 'download';
  const m = /^\/api\/datasets\/[^/]+\/[^/]+\/([^/]+)/.exec(path);
  if (!m) return 'other';
  if (m[1] === 'revision') return 'info';
  if (m[1] === 'auth-check') return 'auth-check';
  if (m[1] === 'tree') return 'listing';
  if (m[1] === 'parquet') return 'parquet-listing';
  return 'other';
}

export interface Fault {
  /** Which requests it applies to: a request class, and/or a predicate (both must hold when both are given). */
  on?: RequestClass;
  match?: (req: FaultRequest) => boolean;
  /**
   * 429/500/503: that answer; `reset`: the connection is dropped before any answer; `cut`: half of
   * the body is sent, then the connection is dropped (no body: dropped at once); `hang`: silence for
   * `hangMs`, then the normal answer; `stall`: half of the body, then silence for `stallMs`, then dropped.
   */
  kind: '429' | '500' | '503' | 'reset' | 'cut' | 'hang' | 'stall';
  /** For hang: how long to stay silent before answering normally (ms). */
  hangMs?: number;
  /** For stall: how long to stay silent after half of the body (ms), before dropping the connection. */
  stallMs?: number;
  /** Retry-After seconds (429/5xx). */
  retryAfter?: number;
  /** For 429: a RateLimit header. */
  rateLimit?: string;
  /** How many matching requests it hits (then it is used up). */
  times: number;
  /** How many requests it hit (set by the mock). */
  hits?: number;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  authorization?: string;
  range?: string;
  status: number;
}

export class MockHub {
  repos = new Map<string, MockRepo>();
  /** Tokens the Hub knows. */
  validTokens = new Set<string>();
  /** Tokens allowed into gated repos (id → tokens). */
  gatedAccess = new Map<string, Set<string>>();
  faults: Fault[] = [];
  log: LoggedRequest[] = [];
  pageSize = 2;
  /** Files larger than this (or any .parquet) are "LFS" and served by the CDN. */
  lfsThreshold = 1024;
  private hub!: Server;
  private cdn!: Server;
  hubUrl = '';
  cdnUrl = '';
  private blobs = new Map<string, Buffer>();

  async start(): Promise<this> {
    this.hub = createServer((q, s) => this.handleHub(q, s));
    this.cdn = createServer((q, s) => this.handleCdn(q, s));
    await Promise.all([listen(this.hub), listen(this.cdn)]);
    this.hubUrl = `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
    this.cdnUrl = `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.hub.closeAllConnections();
    this.cdn.closeAllConnections();
    await Promise.all([new Promise((r) => this.hub.close(r)), new Promise((r) => this.cdn.close(r))]);
  }

  /** Add a repo with one commit on main (sha derived from the content). */
  addRepo(id: string, files: Record<string, Buffer | string>, extra: Partial<MockRepo> = {}): string {
    const commit = sha1(
      Object.entries(files)
        .map(([p, c]) => `${p}\0${sha1(c)}`)
        .join('\n'),
    );
    const buf = Object.fromEntries(Object.entries(files).map(([p, c]) => [p, Buffer.from(c)]));
    const existing = this.repos.get(id);
    if (existing) {
      existing.commits[commit] = buf;
      return commit;
    }
    this.repos.set(id, { refs: { main: commit }, commits: { [commit]: buf }, ...extra });
    return commit;
  }

  requests(server?: 'hub' | 'cdn'): LoggedRequest[] {
    return server ? this.log.filter((r) => r.server === server) : this.log;
  }

  private fault(method: string, path: string, server: 'hub' | 'cdn', range?: string): Fault | undefined {
    const req: FaultRequest = { method, path, server, range, kind: requestClass(method, path, server, range) };
    const f = this.faults.find((x) => x.times > 0 && (x.on === undefined || x.on === req.kind) && (x.match === undefined || x.match(req)));
    if (f) {
      f.times--;
      f.hits = (f.hits ?? 0) + 1;
    }
    return f;
  }

  /**
   * Apply a fault that acts before the answer: hang (delay `go`), reset, or an error status. Returns
   * true when the request is dealt with. Cut and stall act on the body (`sabotage`) and return false.
   */
  private preFault(f: Fault | undefined, q: IncomingMessage, s: ServerResponse, entry: LoggedRequest, go: () => unknown): boolean {
    if (!f) return false;
    if (f.kind === 'hang') {
      const timer = setTimeout(go, f.hangMs ?? 1000);
      s.on('close', () => clearTimeout(timer));
      return true;
    }
    if (f.kind === 'reset') {
      entry.status = -1;
      q.socket.destroy();
      return true;
    }
    if (f.kind === '429' || f.kind === '500' || f.kind === '503') {
      entry.status = Number(f.kind);
      s.writeHead(entry.status, {
        'content-type': 'application/json',
        ...(f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {}),
        ...(f.rateLimit ? { ratelimit: f.rateLimit } : {}),
      });
      s.end(q.method === 'HEAD' ? undefined : JSON.stringify({ error: f.kind === '429' ? 'rate limited' : 'unavailable' }));
      return true;
    }
    this.sabotage(s, f);
    return false;
  }

  /** Cut or stall the body of the answer `s` is about to send: half of it goes out, then the connection drops. */
  private sabotage(s: ServerResponse, f: Fault): void {
    s.end = ((chunk?: unknown) => {
      const body = chunk === undefined || typeof chunk === 'function' ? Buffer.alloc(0) : Buffer.from(chunk as string | Buffer);
      if (body.length < 2) {
        // Nothing to cut (HEAD, a redirect): drop the connection without an answer.
        s.socket?.destroy();
        return s;
      }
      s.write(body.subarray(0, Math.floor(body.length / 2)), () => {
        const t = setTimeout(() => s.socket?.destroy(), f.kind === 'stall' ? (f.stallMs ?? 1000) : 20);
        s.on('close', () => clearTimeout(t));
      });
      return s;
    }) as typeof s.end;
  }

  private token(q: IncomingMessage): string | undefined {
    const a = q.headers.authorization;
    return a?.startsWith('Bearer ') ? a.slice(7) : undefined;
  }

  /** Log a request (its status is filled in when it is answered). */
  private logRequest(server: LoggedRequest['server'], q: IncomingMessage, url: URL): LoggedRequest {
    const entry: LoggedRequest = { server, method: q.method ?? 'GET', url: url.pathname + url.search, authorization: q.headers.authorization, range: q.headers.range, status: 0 };
    this.log.push(entry);
    return entry;
  }

  private handleHub(q: IncomingMessage, s: ServerResponse): unknown {
    const url = new URL(q.url ?? '/', this.hubUrl);
    const entry = this.logRequest('hub', q, url);
    const f = this.fault(entry.method, url.pathname, 'hub', q.headers.range);
    if (this.preFault(f, q, s, entry, () => this.handleHubAfterFaults(q, s, entry))) return;
    return this.handleHubAfterFaults(q, s, entry);
  }

  private handleHubAfterFaults(q: IncomingMessage, s: ServerResponse, entry: LoggedRequest): unknown {
    const url = new URL(q.url ?? '/', this.hubUrl);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      s.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `Root=1-test-${this.log.length}`, ...headers });
      s.end(q.method === 'HEAD' ? undefined : text);
    };
    const token = this.token(q);
    if (token !== undefined && !this.validTokens.has(token))
      return send(401, { error: 'Invalid credentials in Authorization header' }, { 'x-error-message': 'Invalid credentials in Authorization header' });
    let m: RegExpExecArray | null;
    const p = url.pathname;
    if (p === '/api/datasets') {
      // The search (hf-hub-api.md §3.4b): `search` a case-insensitive substring of the id, `author` one
      // owner, `limit` a page size with a `Link: <…>; rel="next"` header when more exist; private
      // repos only for a token with access.
      const search = (url.searchParams.get('search') ?? '').toLowerCase();
      const author = url.searchParams.get('author');
      const limit = Math.max(1, Math.min(1000, Number(url.searchParams.get('limit') ?? '1000') || 1000));
      const all = [...this.repos]
        .filter(([id]) => id.toLowerCase().includes(search) && (author === null || id.split('/')[0] === author))
        .filter(([id, repo]) => !repo.private || (token !== undefined && this.gatedAccess.get(id)?.has(token)))
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const cursor = Number(url.searchParams.get('cursor') ?? '0');
      const page = all.slice(cursor, cursor + limit).map(([id, repo]) => ({
        _id: sha1(id).slice(0, 24),
        id,
        author: id.split('/')[0],
        sha: repo.refs.main,
        lastModified: '2024-01-01T00:00:00.000Z',
        private: repo.private === true,
        gated: repo.gated ?? false,
        disabled: false,
        downloads: 0,
        likes: 0,
        tags: [],
        createdAt: '2024-01-01T00:00:00.000Z',
      }));
      const headers: Record<string, string> = {};
      if (cursor + limit < all.length) {
        const next = new URL(url.toString());
        next.searchParams.set('cursor', String(cursor + limit));
        headers.link = `<${next.toString()}>; rel="next"`;
      }
      return send(200, page, headers);
    }
    if ((m = /^\/api\/resolve-cache\/datasets\/([^/]+\/[^/]+)\/([0-9a-f]{40})\/(.+)$/.exec(p))) {
      const content = this.repos.get(m[1])?.commits[m[2]]?.[decodeURIComponent(m[3])];
      if (!content) return send(404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
      return send(200, content, { 'content-type': 'application/octet-stream', etag: `"${gitSha1(content)}"`, 'x-repo-commit': m[2], 'content-length': String(content.length) });
    }
    if ((m = /^\/api\/datasets\/([^/]+\/[^/]+)\/(.*)$/.exec(p)) || (m = /^\/datasets\/([^/]+\/[^/]+)\/(resolve\/.*)$/.exec(p))) {
      const id = m[1];
      const rest = m[2];
      const repo = this.repos.get(id);
      const allowed = repo && (!repo.private || (token !== undefined && this.gatedAccess.get(id)?.has(token)));
      if (!repo || !allowed)
        return token === undefined
          ? send(401, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' })
          : send(404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Repository not found' });
      const gateError = () => {
        if (!repo.gated) return false;
        if (token === undefined) {
          send(
            401,
            { error: 'gated' },
            {
              'x-error-code': 'GatedRepo',
              'x-error-message': `Access to dataset ${id} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
            },
          );
          return true;
        }
        if (!this.gatedAccess.get(id)?.has(token)) {
          send(
            403,
            { error: 'gated' },
            {
              'x-error-code': 'GatedRepo',
              'x-error-message': `Access to dataset ${id} is restricted and you are not in the authorized list. Visit ${this.hubUrl}/datasets/${id} to ask for access.`,
            },
          );
          return true;
        }
        return false;
      };
      const commitOf = (rev: string) => (/^[0-9a-f]{40}$/.test(rev) && repo.commits[rev] ? rev : rev === 'HEAD' ? repo.refs.main : repo.refs[rev]);
      let r: RegExpExecArray | null;
      if ((r = /^revision\/([^/]+)$/.exec(rest))) {
        const sha = commitOf(decodeURIComponent(r[1]));
        if (!sha) return send(404, { error: 'Invalid rev id' }, { 'x-error-code': 'RevisionNotFound' });
        return send(200, {
          _id: 'x',
          id,
          sha,
          private: repo.private === true,
          gated: repo.gated ?? false,
          disabled: false,
          cardData: repo.cardData,
          siblings: Object.keys(repo.commits[sha]).map((rfilename) => ({ rfilename })),
        });
      }
      if (rest === 'auth-check') return gateError() ? undefined : send(200, {});
      if ((r = /^tree\/([^/]+)(?:\/(.*))?$/.exec(rest))) {
        const sha = commitOf(decodeURIComponent(r[1]));
        if (!sha) return send(404, { error: 'Invalid rev id' }, { 'x-error-code': 'RevisionNotFound' });
        const prefix = r[2] ? `${decodeURIComponent(r[2])}/` : '';
        const files = repo.commits[sha];
        const entries: unknown[] = [];
        const dirs = new Set<string>();
        for (const path of Object.keys(files).sort()) {
          if (!path.startsWith(prefix)) continue;
          const segs = path.split('/');
          for (let i = 1; i < segs.length; i++) dirs.add(segs.slice(0, i).join('/'));
          const c = files[path];
          entries.push({ type: 'file', oid: gitSha1(c), size: c.length, path, ...(this.isLfs(path, c) ? { lfs: { oid: sha256(c), size: c.length, pointerSize: 134 } } : {}) });
        }
        for (const d of dirs) if (d.startsWith(prefix.slice(0, -1))) entries.push({ type: 'directory', oid: sha1(d), size: 0, path: d });
        // Order is "not guaranteed": directories after files, files in a scrambled but fixed order.
        entries.sort((a, b) => sha1(JSON.stringify(a)).localeCompare(sha1(JSON.stringify(b))));
        const cursor = Number(url.searchParams.get('cursor') ?? '0');
        const page = entries.slice(cursor, cursor + this.pageSize);
        const headers: Record<string, string> = {};
        if (cursor + this.pageSize < entries.length) {
          const next = new URL(url.toString());
          next.searchParams.set('cursor', String(cursor + this.pageSize));
          headers.link = `<${next.toString()}>; rel="next"`;
        }
        return send(200, page, headers);
      }
      if ((r = /^parquet$/.exec(rest))) {
        const sha = repo.refs['refs/convert/parquet'];
        if (!sha) return send(404, { error: 'no parquet export' });
        const out: Record<string, Record<string, string[]>> = {};
        for (const path of Object.keys(repo.commits[sha]).sort()) {
          const pm = /^([^/]+)\/([^/]+)\/(\d+)\.parquet$/.exec(path);
          if (!pm) continue;
          out[pm[1]] ??= {};
          out[pm[1]][pm[2]] ??= [];
          out[pm[1]][pm[2]].push(`${this.hubUrl}/api/datasets/${id}/parquet/${pm[1]}/${pm[2]}/${Number(pm[3])}.parquet`);
        }
        return send(200, out);
      }
      if ((r = /^resolve\/([^/]+)\/(.+)$/.exec(rest))) {
        const sha = commitOf(decodeURIComponent(r[1]));
        if (!sha) return send(404, { error: 'Invalid rev id' }, { 'x-error-code': 'RevisionNotFound' });
        if (gateError()) return;
        const path = r[2].split('/').map(decodeURIComponent).join('/');
        const c = repo.commits[sha][path];
        if (!c) return send(404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound', 'x-repo-commit': sha });
        if (this.isLfs(path, c)) {
          const h = sha256(c);
          this.blobs.set(h, c);
          return send(302, '', {
            location: `${this.cdnUrl}/blob/${h}?sig=abc&expires=999`,
            'x-repo-commit': sha,
            'x-linked-etag': `"${h}"`,
            'x-linked-size': String(c.length),
            'content-type': 'text/plain',
          });
        }
        return send(307, '', { location: `/api/resolve-cache/datasets/${id}/${sha}/${encodeURIComponent(path)}?etag=%22${gitSha1(c)}%22`, 'x-repo-commit': sha });
      }
      return send(404, { error: 'not found' });
    }
    return send(404, { error: 'not found' });
  }

  private isLfs(path: string, c: Buffer): boolean {
    return path.endsWith('.parquet') || c.length > this.lfsThreshold;
  }

  private handleCdn(q: IncomingMessage, s: ServerResponse): void {
    const url = new URL(q.url ?? '/', this.cdnUrl);
    const entry = this.logRequest('cdn', q, url);
    const m = /^\/blob\/([0-9a-f]{64})$/.exec(url.pathname);
    const c = m ? this.blobs.get(m[1]) : undefined;
    if (!c) {
      entry.status = 404;
      s.writeHead(404).end('no such blob');
      return;
    }
    const f = this.fault(entry.method, url.pathname, 'cdn', q.headers.range);
    if (this.preFault(f, q, s, entry, () => this.serveBlob(q, s, entry, c))) return;
    this.serveBlob(q, s, entry, c);
  }

  private serveBlob(q: IncomingMessage, s: ServerResponse, entry: LoggedRequest, c: Buffer): void {
    let start = 0;
    let end = c.length - 1;
    let status = 200;
    const range = q.headers.range;
    if (range) {
      const rm = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (rm) {
        if (rm[1] === '') {
          start = Math.max(0, c.length - Number(rm[2]));
        } else {
          start = Number(rm[1]);
          if (rm[2] !== '') end = Math.min(Number(rm[2]), c.length - 1);
        }
        if (start >= c.length) {
          entry.status = 416;
          s.writeHead(416, { 'content-range': `bytes */${c.length}` }).end();
          return;
        }
        status = 206;
      }
    }
    const body = c.subarray(start, end + 1);
    entry.status = status;
    s.writeHead(status, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      'accept-ranges': 'bytes',
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${c.length}` } : {}),
    });
    if (q.method === 'HEAD') {
      s.end();
      return;
    }
    s.end(body);
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
}

export function sha1(x: string | Buffer): string {
  return createHash('sha1').update(x).digest('hex');
}
export function sha256(x: Buffer): string {
  return createHash('sha256').update(x).digest('hex');
}
/** The git blob sha1 (`blob <size>\0<content>`). */
export function gitSha1(c: Buffer): string {
  return createHash('sha1').update(`blob ${c.length}\0`).update(c).digest('hex');
}
