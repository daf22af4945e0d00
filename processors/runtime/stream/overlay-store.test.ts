// OverlayStore's sealed generation (pipelined commits): reads see overlay, then sealed, then committed; commit()
// merges the sealed generation only; abort() drops the sealed generation and everything built on it.
import { describe, expect, it } from 'vitest';
import { OverlayStore } from './overlay-store.ts';

describe('OverlayStore with a sealed generation', () => {
  it('keeps later changes out of the sealed commit and out of its changelog', () => {
    const store = new OverlayStore<number>();
    store.put(0, 'a', 1);
    store.seal();
    store.put(0, 'b', 2);
    store.put(0, 'a', 3);
    expect(store.get(0, 'a')).toBe(3);
    expect([...store.changes()]).toEqual([{ partition: 0, key: 'b', value: 2 }, { partition: 0, key: 'a', value: 3 }]);
    store.commit(); // the sealed generation: a = 1
    expect(store.size(0)).toBe(1);
    expect(store.get(0, 'b')).toBe(2);
    store.commit(); // no sealed generation: the overlay, as without sealing
    expect(store.size(0)).toBe(2);
    expect(store.get(0, 'a')).toBe(3);
    expect([...store.changes()]).toEqual([]);
  });

  it('drops the sealed generation and the overlay on abort', () => {
    const store = new OverlayStore<number>();
    store.put(0, 'a', 1);
    store.commit();
    store.put(0, 'a', 2);
    store.seal();
    store.put(0, 'b', 3);
    store.abort();
    expect(store.get(0, 'a')).toBe(1);
    expect(store.get(0, 'b')).toBeUndefined();
    store.seal();
    expect(() => store.seal()).toThrow(/not committed yet/);
  });
});
