/** The outcomes of unanswered Pushes, kept for their Seal: pure promise bookkeeping. */
import { describe, expect, it } from 'vitest';
import { MAX_TRACKED_SEGMENTS, PushTracker, type Written } from './push-tracker.js';

/** A promise with its resolve and reject at hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

const writtenNow = (durable: Promise<void> = Promise.resolve()): Promise<Written> => Promise.resolve({ durable });

describe('PushTracker', () => {
  it('lets a Seal wait for its pushes to arrive, then to be durable, and reports the first failure', async () => {
    const tracker = new PushTracker(() => 0);
    const forwarded = deferred<void>();
    const durable = deferred<void>();
    void tracker.track('w', forwarded.promise, writtenNow(durable.promise));
    void tracker.track('w', Promise.reject(new Error('first')), writtenNow());
    void tracker.track('w', Promise.reject(new Error('second')), writtenNow());
    let arrived = false;
    const arriving = tracker.arrived('w').then((failure) => {
      arrived = true;
      return failure;
    });
    await Promise.resolve();
    expect(arrived).toBe(false); // the first push is still being forwarded
    forwarded.resolve();
    expect((await arriving)?.message).toBe('first');
    let committed = false;
    const committing = tracker.committed('w').then((failure) => {
      committed = true;
      return failure;
    });
    await Promise.resolve();
    expect(committed).toBe(false); // not durable yet
    durable.resolve();
    expect((await committing)?.message).toBe('first');
    expect(await tracker.committed('w')).toBeUndefined(); // forgotten once its Seal asked
  });

  it('keeps writes of one segment down two chains apart', async () => {
    const tracker = new PushTracker(() => 0);
    void tracker.track('list>b', new Promise(() => undefined), writtenNow()); // stalled chain
    void tracker.track('list>a', Promise.resolve(), writtenNow());
    expect(await tracker.arrived('list>a')).toBeUndefined();
  });

  it('forgets idle segments, and never more than MAX_TRACKED_SEGMENTS are kept', async () => {
    let clock = 0;
    const tracker = new PushTracker(() => clock);
    const pending = deferred<void>();
    await tracker.track('idle', Promise.resolve(), writtenNow());
    void tracker.track('busy', pending.promise, writtenNow());
    clock = 100;
    expect(tracker.forgetIdleSince(50)).toBe(false); // 'busy' is still in progress
    expect(await tracker.arrived('idle')).toBeUndefined(); // 'idle' was forgotten
    pending.resolve();
    await tracker.committed('busy');
    expect(tracker.forgetIdleSince(50)).toBe(true);

    // A client that pushes and never seals: the oldest idle entry makes way for the next.
    for (let i = 0; i < MAX_TRACKED_SEGMENTS + 10; i++) await tracker.track(`w${i}`, Promise.reject(new Error(`w${i}`)), writtenNow());
    expect(await tracker.arrived('w0')).toBeUndefined();
    expect((await tracker.arrived(`w${MAX_TRACKED_SEGMENTS + 9}`))?.message).toBe(`w${MAX_TRACKED_SEGMENTS + 9}`);
  });
});
