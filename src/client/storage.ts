/**
 * Where the client keeps the refresh token. Browsers default to IndexedDB (shared by the tabs of
 * an origin, one backend: a committed write is seen by the next read, which localStorage does not
 * promise across Chromium's tab processes); elsewhere memory. React Native's secure storage or a
 * server's cookie jar implement the same three methods.
 */
export interface TokenStorage {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  clear(): Promise<void>;
}

/** One process's memory: servers, tests, apps that sign in on every start. */
export function memoryStorage(): TokenStorage {
  let token: string | null = null;
  return {
    get: async () => token,
    set: async (t) => void (token = t),
    clear: async () => void (token = null),
  };
}

/** IndexedDB (browsers): `name` is the database, so two apps on one origin can keep apart. */
export function indexedDbStorage(name = "edge-auth"): TokenStorage {
  const STORE = "kv";
  const KEY = "refresh_token";
  let opening: Promise<IDBDatabase> | undefined;
  const open = () =>
    (opening ??= new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(STORE);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    }));
  const run = async <T>(mode: IDBTransactionMode, work: (s: IDBObjectStore) => IDBRequest | undefined): Promise<T> => {
    const tx = (await open()).transaction(STORE, mode);
    const req = work(tx.objectStore(STORE));
    // Resolve on commit, not on the request: another tab must see the write once the lock is released.
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(req?.result as T);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  };
  return {
    get: async () => (await run<string | undefined>("readonly", (s) => s.get(KEY))) ?? null,
    set: (token) => run<void>("readwrite", (s) => s.put(token, KEY)),
    clear: () => run<void>("readwrite", (s) => s.delete(KEY)),
  };
}

/** IndexedDB where there is one, else memory. */
export const defaultStorage = (): TokenStorage => (typeof indexedDB !== "undefined" ? indexedDbStorage() : memoryStorage());
