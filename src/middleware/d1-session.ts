/**
 * Every request runs in a D1 session (read replication): reads start `first-unconstrained` (any
 * replica, the nearest one), writes `first-primary`. A client that sends back the `X-D1-Bookmark` of
 * an earlier response reads at least that state on any replica (its own writes, its logout), and every
 * response carries the session's latest bookmark.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { invalidBookmark } from "../lib/errors";

/** The header Cloudflare's D1 documentation uses for bookmarks, in both directions. */
export const BOOKMARK_HEADER = "X-D1-Bookmark";

/**
 * The format D1 returns (`getBookmark()`): four hex groups, e.g.
 * `0000007b-0000b26e-00001538-0c3e87bb37b3db5cc52eedb93cd3b96b`. Local D1 accepts any string, so the
 * app checks it: a client's value never reaches D1 unless it has this shape.
 */
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

/** True for methods that only read (their session may start on a replica). */
export const isReadMethod = (method: string) => method === "GET" || method === "HEAD";

/**
 * Opens the request's D1 session (`c.get("d1")`) and answers its bookmark.
 * @throws ApiError 400 `invalid_bookmark` for a malformed `X-D1-Bookmark`.
 */
export const d1Session = (): MiddlewareHandler<AppEnv> =>
  async function d1Session(c, next) {
    const incoming = c.req.header(BOOKMARK_HEADER);
    if (incoming !== undefined && !BOOKMARK.test(incoming)) throw invalidBookmark();
    const session = c.env.DB.withSession(
      incoming ?? (isReadMethod(c.req.method) ? "first-unconstrained" : "first-primary"),
    );
    c.set("d1", session);
    await next();
    // A request that never queried D1 has no bookmark of its own: hand the client's back unchanged.
    const bookmark = session.getBookmark() ?? incoming;
    // In place: `c.header()` after the route has answered would make hono copy the whole response.
    if (bookmark) c.res.headers.set(BOOKMARK_HEADER, bookmark);
  };
