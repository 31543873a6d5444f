/**
 * A module-level object (a table of zod schemas) that is built the first time it is used rather
 * than when its module loads. Each command-line run is a new process that loads every module of
 * the bundle; building the tables of settings, channels and key slots took it about 25 ms, for
 * a command that mostly uses none of them (one sent to a server).
 */
export function builtOnFirstUse<T extends object>(build: () => T): T {
  let built: T | undefined;
  const table = (): T => (built ??= build());
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(table(), key),
    has: (_target, key) => Reflect.has(table(), key),
    ownKeys: () => Reflect.ownKeys(table()),
    // Reported as configurable: the proxy's own (empty) target holds none of the properties.
    getOwnPropertyDescriptor: (_target, key) => {
      const d = Reflect.getOwnPropertyDescriptor(table(), key);
      return d ? { ...d, configurable: true } : undefined;
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}
