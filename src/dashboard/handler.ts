import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CacheApi } from '../types.ts'
import { DashboardFeed } from './feed.ts'
import { renderPage } from './page.ts'

/** Options of {@link dashboard}. */
export interface DashboardOptions {
  /**
   * Decides who may see the dashboard and its feed; a request it refuses (or throws for) gets 403. Default: only
   * requests from the loopback interface (127.0.0.1, ::1), so that mounting it without thinking exposes nothing.
   */
  authorize?: (req: IncomingMessage) => boolean | Promise<boolean>
  /**
   * With Redis: publish this instance's figures (bounded, expiring after 5 s) and show the other instances' (each,
   * or the cluster's). Default `true`. Without Redis, this instance only.
   */
  cluster?: boolean
  /** Page title. Default `'prisma-query-cache'`. */
  title?: string
  /** Milliseconds wall clock of the time series (instances align their buckets by it). Default `Date.now`. */
  clock?: () => number
}

/** A request handler for `node:http` (and Express, Fastify's raw request, Next.js API routes). */
export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Stops listening to the cache and publishing to Redis. */
  close(): Promise<void>
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

function loopbackOnly(req: IncomingMessage): boolean {
  return LOOPBACK.has(req.socket.remoteAddress ?? '')
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
} as const

function send(res: ServerResponse, status: number, type: string, body: string, headers = {}): void {
  res.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

async function allowed(authorize: DashboardOptions['authorize'], req: IncomingMessage): Promise<boolean> {
  try {
    return (await (authorize ?? loopbackOnly)(req)) === true
  } catch {
    return false
  }
}

/**
 * The live dashboard of a client extended with `queryCache()`: `GET <mount>` serves one self-contained page (inline script and styles,
 * nothing loaded from elsewhere) and `GET <mount>/feed` the JSON it polls once a second. It shows keys by hash and
 * never argument values or result data. Creating it subscribes to the cache's events (a cache without a dashboard
 * pays nothing for it); it is mounted nowhere by itself.
 *
 * @example
 * const handler = dashboard(prisma, { authorize: (req) => isAdmin(req) })
 * http.createServer((req, res) => (req.url?.startsWith('/cache') ? handler(req, res) : app(req, res)))
 */
export function dashboard(prisma: { $cache: CacheApi }, options: DashboardOptions = {}): DashboardHandler {
  const feed = new DashboardFeed(prisma, {
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
  })
  const title = options.title ?? 'prisma-query-cache'
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (!(await allowed(options.authorize, req)))
        return send(res, 403, 'text/plain; charset=utf-8', 'Forbidden')
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', { allow: 'GET, HEAD' })
      const url = new URL(req.url ?? '/', 'http://dashboard.invalid')
      if (url.pathname.endsWith('/feed')) {
        const body = JSON.stringify(await feed.feed(url.searchParams.get('instance') ?? undefined))
        return send(res, 200, 'application/json; charset=utf-8', body)
      }
      const nonce = randomBytes(16).toString('base64')
      const csp = `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`
      return send(res, 200, 'text/html; charset=utf-8', renderPage(title, nonce), {
        'content-security-policy': csp,
      })
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal Server Error')
      else res.end()
    }
  }
  return Object.assign(handler, { close: () => feed.close() })
}
