/**
 * A read-only map whose keys are known up front and whose values are built
 * on first read, once: the compiled config's jobs, parsed when an event
 * reaches them instead of all at cold start (bundle.ts). Iterating the
 * values builds every one of them: code that visits every key and needs
 * little of each walks the index the keys come from instead.
 */
export class LazyMap<K, I, V> implements ReadonlyMap<K, V> {
  readonly #built = new Map<K, V>();

  constructor(
    private readonly keyed: ReadonlyMap<K, I>,
    private readonly build: (item: I, key: K) => V,
  ) {}

  get size(): number {
    return this.keyed.size;
  }

  has(key: K): boolean {
    return this.keyed.has(key);
  }

  get(key: K): V | undefined {
    const done = this.#built.get(key);
    if (done !== undefined) return done;
    const item = this.keyed.get(key);
    if (item === undefined) return undefined;
    const value = this.build(item, key);
    this.#built.set(key, value);
    return value;
  }

  keys(): MapIterator<K> {
    return this.keyed.keys();
  }

  *entries(): MapIterator<[K, V]> {
    for (const key of this.keyed.keys()) yield [key, this.get(key) as V];
  }

  *values(): MapIterator<V> {
    for (const key of this.keyed.keys()) yield this.get(key) as V;
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}
