/**
 * @meshdrive/core/testing: what other packages' tests build on. The chunk-store acceptance
 * suite any new store runs (in Node and in the browser), in-memory data channels, and a clock
 * tests move by hand.
 *
 * @example
 * for (const c of chunkStoreAcceptance(() => MyStore.open())) it(c.name, c.run);
 */
export { chunkStoreAcceptance, type AcceptanceCase, type StoreFactory } from './stores/chunk-store-acceptance.js';
export { memoryChannelPair } from './transport/memory-channel.js';
export { ManualClock } from './test-clock.js';
