/**
 * Reservoir sampling (Algorithm R) per key: a uniform sample of at most `perKey` items for
 * each key, in O(keys × perKey) memory however many items are offered. The PRNG is seeded
 * so a recorded input always gives the same sample (tests, re-runs).
 */
export class KeyedReservoir<T> {
  private readonly slots = new Map<string, { seen: number; items: T[] }>();
  private state: number;

  constructor(
    private readonly perKey: number,
    private readonly maxKeys: number,
    seed = 0x9e3779b9,
  ) {
    this.state = seed >>> 0 || 1;
  }

  /** xorshift32: fast, seedable, good enough for picking samples. */
  private next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 0x100000000;
  }

  offer(key: string, make: () => T): void {
    let slot = this.slots.get(key);
    if (!slot) {
      if (this.slots.size >= this.maxKeys) return; // bounded: new keys beyond the cap are not sampled
      slot = { seen: 0, items: [] };
      this.slots.set(key, slot);
    }
    slot.seen++;
    if (slot.items.length < this.perKey) {
      slot.items.push(make());
      return;
    }
    const j = Math.floor(this.next() * slot.seen);
    if (j < this.perKey) slot.items[j] = make();
  }

  values(): T[] {
    const out: T[] = [];
    for (const key of [...this.slots.keys()].sort()) out.push(...(this.slots.get(key)?.items ?? []));
    return out;
  }
}
