import type { Result, Router } from "hono/router";
import { RegExpRouter } from "hono/router/reg-exp-router";
import { SmartRouter } from "hono/router/smart-router";
import { TrieRouter } from "hono/router/trie-router";

/**
 * Hono's default router (RegExpRouter, else TrieRouter), with TrieRouter's matches listed once.
 *
 * This app's routes need TrieRouter (RegExpRouter refuses `/users/me` next to `/users/:id`), and
 * TrieRouter matches a route twice when a request path segment is literally that route's pattern
 * token (`GET /*` or `/%2A` against `app.use("*")`, `/users/:id` against `/users/:id`): the same
 * middleware then ran twice on one request, which made `GET /*` a 500 and would count one
 * request twice against a rate limit. Reported upstream (honojs/hono#5370, fix in #5318, not
 * released in 4.13.19). A repeat is the same handler with the very same params object, right
 * after itself (matches are sorted by registration): exactly those are dropped, nothing else.
 */
export function createRouter<T>(): Router<T> {
  return new SmartRouter<T>({ routers: [new RegExpRouter<T>(), onceEach(new TrieRouter<T>())] });
}

function onceEach<T>(router: Router<T>): Router<T> {
  return {
    name: router.name,
    add: (method, path, handler) => router.add(method, path, handler),
    match(method, path): Result<T> {
      const result = router.match(method, path);
      const matches = result[0] as [T, unknown][];
      for (let i = 1; i < matches.length; i++) {
        if (isRepeat(matches, i)) return [matches.filter((_, j) => j === 0 || !isRepeat(matches, j)), ...result.slice(1)] as Result<T>;
      }
      // The usual case: nothing repeated, the router's own result as it is.
      return result;
    },
  };
}

const isRepeat = <T>(matches: [T, unknown][], i: number) => matches[i]![0] === matches[i - 1]![0] && matches[i]![1] === matches[i - 1]![1];
