/** Pin records and the master's paged scan of old pins, over a MemoryStore and a fake clock. */
import { describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../stores/memory-store.js';
import { MAX_PIN_REPORT } from '../wire/signal-protocol.js';
import { Pins } from './pins.js';

const listName = (i: number): string => i.toString(16).padStart(64, '0');

function pinsAt(start: number) {
  const clock = { now: start };
  const store = new MemoryStore();
  return { clock, store, pins: new Pins(store, () => clock.now) };
}

describe('Pins', () => {
  it('records when a segment was pinned, and forgets it when unpinned', async () => {
    const { clock, pins } = pinsAt(1_000);
    await pins.pin(listName(1));
    clock.now += 250;
    expect(await pins.ageMs(listName(1), clock.now)).toBe(250);
    expect(await pins.ageMs(listName(2), clock.now)).toBeUndefined();
    expect(await pins.lists()).toEqual([listName(1)]);
    await pins.unpin([listName(1)]);
    expect(await pins.lists()).toEqual([]);
    expect(await pins.ageMs(listName(1), clock.now)).toBeUndefined();
  });

  it('counts a pin without a readable time as the oldest', async () => {
    const { store, pins } = pinsAt(5_000);
    await store.setMeta(`pin:${listName(3)}`, 'sealed before pins held a time');
    expect(await pins.ageMs(listName(3), 5_000)).toBe(5_000);
  });

  it('pages through old pins in list order, skipping young ones, from one listing per scan', async () => {
    const { clock, store, pins } = pinsAt(1_000_000);
    const old = Array.from({ length: MAX_PIN_REPORT + 3 }, (_, i) => listName(2 * i));
    for (const list of old.toReversed()) await pins.pin(list);
    clock.now += 10_000;
    await pins.pin(listName(1)); // young: sorts among the old ones, never reported
    const listed = vi.spyOn(store, 'metaKeys');
    const first = await pins.oldPins(10_000);
    expect(first).toEqual({ pins: old.slice(0, MAX_PIN_REPORT).map((list) => ({ list, ageMs: 10_000 })), more: true });
    const second = await pins.oldPins(10_000, first.pins.at(-1)!.list);
    expect(second).toEqual({ pins: old.slice(MAX_PIN_REPORT).map((list) => ({ list, ageMs: 10_000 })), more: false });
    expect(listed).toHaveBeenCalledTimes(1);
  });

  it('lists the pins again for a page asked after the scan went stale', async () => {
    const { clock, store, pins } = pinsAt(1_000_000);
    const lists = Array.from({ length: MAX_PIN_REPORT + 1 }, (_, i) => listName(i));
    for (const list of lists) await pins.pin(list);
    const first = await pins.oldPins(0);
    expect(first.more).toBe(true);
    clock.now += 10 * 60_000 + 1; // past the scan's reuse window
    const late = listName(MAX_PIN_REPORT + 5);
    await pins.pin(late);
    const listed = vi.spyOn(store, 'metaKeys');
    const second = await pins.oldPins(0, first.pins.at(-1)!.list);
    expect(listed).toHaveBeenCalledTimes(1);
    expect(second.pins.map((pin) => pin.list)).toEqual([lists.at(-1), late]);
  });
});
