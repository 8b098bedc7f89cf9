import type { Store } from "../../src/store/store";

/** A Store that remembers every key written through it, so tests can compare whole-store dumps. */
export type ListingStore = Store & {
  /** Every live key with its value (string or sorted set members) and remaining TTL, sorted by key. */
  dump(options?: { ignorePrefixes?: string[] }): Promise<Record<string, { value: string | string[]; ttl: number }>>;
};

/** Wraps `inner`; reads and writes go straight through, only the key names are recorded. */
export function createListingStore(inner: Store): ListingStore {
  const keys = new Set<string>();
  const seen = <T>(key: string, result: T) => {
    keys.add(key);
    return result;
  };
  return {
    ...inner,
    set: (key, value, ttl) => seen(key, inner.set(key, value, ttl)),
    setIfAbsent: (key, value, ttl) => seen(key, inner.setIfAbsent(key, value, ttl)),
    increment: (key, ttl) => seen(key, inner.increment(key, ttl)),
    setAdd: (key, member, ttl) => seen(key, inner.setAdd(key, member, ttl)),
    async dump({ ignorePrefixes = [] } = {}) {
      const out: Record<string, { value: string | string[]; ttl: number }> = {};
      for (const key of [...keys].sort()) {
        if (ignorePrefixes.some((p) => key.startsWith(p))) continue;
        const ttl = await inner.ttlSeconds(key);
        if (ttl === 0) continue;
        const value = (await inner.get(key)) ?? (await inner.setMembers(key)).sort();
        out[key] = { value, ttl };
      }
      return out;
    },
  };
}
