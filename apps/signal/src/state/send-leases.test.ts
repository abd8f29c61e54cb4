/** Send leases in memory (the suite is send-leases-acceptance.ts). */
import { MemorySendLeases } from './memory-send-leases.js';
import { runSendLeaseTests, TEST_SEND_TIMING } from './send-leases-acceptance.js';

runSendLeaseTests('memory', () => new MemorySendLeases(TEST_SEND_TIMING));
