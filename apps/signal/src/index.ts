/**
 * @meshdrive/signal: the master. Start one with `startMaster({ port, dataDir })`; it serves
 * socket.io, `/healthz`, `/api/state` and the web app.
 */
export { startMaster, DEFAULT_REPLICATION, type Master, type MasterOptions } from './master.js';
export { HEARTBEAT_MS, STALE_AFTER_MS, DEAD_AFTER_MS, Membership } from './membership.js';
export type { Directory, FileRecord, KnownPeer } from './directory.js';
export { SqliteDirectory } from './directory-sqlite.js';
export { MemoryDirectory } from './directory-memory.js';
