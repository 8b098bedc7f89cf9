// Why IndexedDB and not localStorage: Chromium copies localStorage into each tab's process and
// syncs the copies asynchronously, so a tab that takes the refresh lock right after another tab
// rotated the token can still read the old one (the e2e two-tab test caught exactly that).
// IndexedDB reads and writes go through one backend: a committed write is seen by the next read.
const DB = "edge-auth";
const STORE = "kv";
const KEY = "refresh_token";

let opening: Promise<IDBDatabase> | undefined;
function open(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

async function run<T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest | undefined): Promise<T> {
  const tx = (await open()).transaction(STORE, mode);
  const req = work(tx.objectStore(STORE));
  // Resolve on commit, not on the request: the next tab must see the write once we let go of the lock.
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req?.result as T);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** The stored refresh token, shared by every tab of this origin. */
export const readRefreshToken = () => run<string | undefined>("readonly", (s) => s.get(KEY));
export const writeRefreshToken = (token: string) => run<void>("readwrite", (s) => s.put(token, KEY));
export const clearRefreshToken = () => run<void>("readwrite", (s) => s.delete(KEY));
