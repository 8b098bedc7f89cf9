import type { Clock } from "../clock";
import type { ScriptView, Store } from "./store";

type Entry = { value: string | Set<string>; expiresAt: number };

/** The memory store, plus how many keys it holds (expired ones not yet swept included). */
export type MemoryStore = Store & { size(): number };

/**
 * In-process store: one process only, gone on restart. Fine for local development and the
 * in-process tests. Expiry follows the injected clock, so tests expire codes without sleeping.
 * JavaScript runs one callback at a time, so every operation here is atomic.
 */
export function createMemoryStore(clock: Clock): MemoryStore {
  const map = new Map<string, Entry>();
  // Expired keys nobody reads again would pile up. Each write also checks the next two keys of a
  // running sweep (Map iterators survive deletes and see later inserts), so the work per write
  // stays constant and the sweep still outpaces the writes. A full pass every N writes instead
  // cost O(keys) each time: with 100k live sessions it dominated a refresh.
  let sweep = map.entries();

  function live(key: string): Entry | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= clock.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  function put(key: string, value: string | Set<string>, ttlSeconds: number) {
    const now = clock.now();
    map.set(key, { value, expiresAt: now + ttlSeconds * 1000 });
    for (let i = 0; i < 2; i++) {
      const next = sweep.next();
      if (next.done) {
        sweep = map.entries();
        break;
      }
      if (next.value[1].expiresAt <= now) map.delete(next.value[0]);
    }
  }

  const str = (e: Entry | undefined) => (e && typeof e.value === "string" ? e.value : null);

  // The synchronous operations: what runScript's JavaScript bodies see (so a script runs to
  // completion, atomically), and what the Store methods below wrap.
  const view: ScriptView = {
    get: (key) => str(live(key)),
    set: (key, value, ttlSeconds) => put(key, value, ttlSeconds),
    delete: (key) => void map.delete(key),
    setAdd(key, member, ttlSeconds) {
      const entry = live(key);
      const set = entry && entry.value instanceof Set ? entry.value : new Set<string>();
      set.add(member);
      put(key, set, ttlSeconds);
    },
    setRemove(key, member) {
      const entry = live(key);
      if (entry && entry.value instanceof Set) entry.value.delete(member);
    },
  };

  return {
    async get(key) {
      return view.get(key);
    },
    async getMany(keys) {
      return keys.map(view.get);
    },
    async set(key, value, ttlSeconds) {
      view.set(key, value, ttlSeconds);
    },
    async setIfAbsent(key, value, ttlSeconds) {
      const existing = live(key);
      if (existing) return str(existing) ?? "";
      put(key, value, ttlSeconds);
      return null;
    },
    async getAndDelete(key) {
      const value = view.get(key);
      view.delete(key);
      return value;
    },
    async delete(...keys) {
      for (const key of keys) view.delete(key);
    },
    async increment(key, ttlSeconds) {
      const entry = live(key);
      const next = (entry ? Number(entry.value) || 0 : 0) + 1;
      if (entry) entry.value = String(next);
      else put(key, String(next), ttlSeconds);
      return next;
    },
    async ttlSeconds(key) {
      const entry = live(key);
      return entry ? Math.max(0, Math.ceil((entry.expiresAt - clock.now()) / 1000)) : 0;
    },
    async setAdd(key, member, ttlSeconds) {
      view.setAdd(key, member, ttlSeconds);
    },
    async setRemove(key, member) {
      view.setRemove(key, member);
    },
    async setMembers(key) {
      const entry = live(key);
      return entry && entry.value instanceof Set ? [...entry.value] : [];
    },
    async runScript(script, keys, args) {
      return script.decode(script.js(view, keys, args));
    },
    async ping() {},
    size: () => map.size,
  };
}
