/** LockService over MemoryLocks (the suite is lock-service-acceptance.ts). */
import { MemoryDirectory } from '../directory/memory-directory.js';
import { MemoryLocks } from '../state/memory-locks.js';
import { runLockServiceTests } from './lock-service-acceptance.js';

runLockServiceTests('MemoryLocks', () => {
  const directory = new MemoryDirectory();
  return new MemoryLocks(() => directory.nextFence());
});
