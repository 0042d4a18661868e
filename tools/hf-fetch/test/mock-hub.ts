/**
 * A local mock of the Hugging Face Hub for the tests, faithful to ../shared/docs/hf-hub-api.md:
 * info (`/api/datasets/{id}/revision/{rev}`), `auth-check`, the paginated tree listing (small pages,
 * absolute `Link: <…>; rel="next"`), `resolve` answering 302 to a separate CDN server (another
 * origin) with `X-Linked-Etag`/`X-Linked-Size` for LFS files and 307 to `/api/resolve-cache/…` for
 * small git files, Range support on the CDN (206/416), the parquet listing, 401-vs-404 rules,
 * gated repos, invalid tokens, and injected faults (429 with Retry-After, 5xx, a body cut midway).
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

export interface Fault {
  /** Which requests it applies to. */
  match: (req: { method: string; path: string; server: 'hub' | 'cdn'; range?: string }) => boolean;
  kind: '429' | '503' | 'cut' | 'hang';
  /** For hang: how long to stay silent before answering normally (ms). */
  hangMs?: number;
  /** Retry-After seconds (429/503). */
  retryAfter?: number;
  /** For 429: a RateLimit header. */
  rateLimit?: string;
  /** How many matching requests it hits (then it is used up). */
  times: number;
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
    const f = this.faults.find((x) => x.times > 0 && x.match({ method, path, server, range }));
    if (f) f.times--;
    return f;
  }

  private token(q: IncomingMessage): string | undefined {
    const a = q.headers.authorization;
    return a?.startsWith('Bearer ') ? a.slice(7) : undefined;
  }

  private handleHub(q: IncomingMessage, s: ServerResponse): unknown {
    const url = new URL(q.url ?? '/', this.hubUrl);
    const entry: LoggedRequest = {
      server: 'hub',
      method: q.method ?? 'GET',
      url: url.pathname + url.search,
      authorization: q.headers.authorization,
      range: q.headers.range,
      status: 0,
    };
    this.log.push(entry);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      entry.status = status;
      const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      s.writeHead(status, { 'content-type': 'application/json', 'x-request-id': `Root=1-test-${this.log.length}`, ...headers });
      s.end(q.method === 'HEAD' ? undefined : text);
    };
    const f = this.fault(entry.method, url.pathname, 'hub', q.headers.range);
    if (f?.kind === 'hang') {
      const timer = setTimeout(() => this.handleHubAfterFaults(q, s, entry), f.hangMs ?? 1000);
      s.on('close', () => clearTimeout(timer));
      return;
    }
    if (f?.kind === '429')
      return send(
        429,
        { error: 'rate limited' },
        { ...(f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {}), ...(f.rateLimit ? { ratelimit: f.rateLimit } : {}) },
      );
    if (f?.kind === '503') return send(503, { error: 'unavailable' }, f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {});
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
    const entry: LoggedRequest = {
      server: 'cdn',
      method: q.method ?? 'GET',
      url: url.pathname + url.search,
      authorization: q.headers.authorization,
      range: q.headers.range,
      status: 0,
    };
    this.log.push(entry);
    const m = /^\/blob\/([0-9a-f]{64})$/.exec(url.pathname);
    const c = m ? this.blobs.get(m[1]) : undefined;
    if (!c) {
      entry.status = 404;
      s.writeHead(404).end('no such blob');
      return;
    }
    const f = this.fault(entry.method, url.pathname, 'cdn', q.headers.range);
    if (f?.kind === '503' || f?.kind === '429') {
      entry.status = Number(f.kind);
      s.writeHead(Number(f.kind), f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {}).end('try later');
      return;
    }
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
    if (f?.kind === 'cut') {
      // Send half of the body, then drop the connection.
      s.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => s.socket?.destroy(), 20));
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
