/**
 * The same object, with every method call recorded by name (`prefix` + method) in `calls`: to
 * count a request's store round trips and database queries.
 */
export function recordCalls<T extends object>(target: T, calls: string[], prefix = ""): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver);
      return typeof value === "function" ? (...args: unknown[]) => (calls.push(`${prefix}${String(key)}`), value.apply(obj, args)) : value;
    },
  });
}
