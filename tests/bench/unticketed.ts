/**
 * The bench's mesh without tickets, to measure what tickets cost in the same run (bench.ts):
 * `master DIR` or `peer URL DIR`, wired as `meshdrive master` and `meshdrive peer` are
 * (apps/cli/src/daemons.ts), except that the master signs no ticket and the peers check none.
 * The tickets still travel, the same size as signed ones, so what differs is the signing and
 * the checking alone. Nothing in the product can turn tickets off: only this script does.
 */
import { join } from 'node:path';
import { nodeHasher, nodeRtcEndpoints, PackStore, startMeshPeer, type AccessCheck } from '@meshdrive/core';
import { createMaster, openAccounts, SqliteDirectory, type TicketSource } from '@meshdrive/signal';

/** An Ed25519 signature's base64url length: an unsigned ticket weighs what a signed one does. */
const UNSIGNED = 'A'.repeat(86);

const unsignedTickets: TicketSource = {
  masterKey: 'unsigned',
  write: (client, seg, chain, chunks) => Promise.resolve({ client, seg, chain: [...chain], chunks, exp: Date.now() + 15 * 60_000, sig: UNSIGNED }),
  read: (client, list) => Promise.resolve({ client, list, exp: Date.now() + 15 * 60_000, sig: UNSIGNED }),
};

const openAccess: AccessCheck = {
  trust: () => undefined,
  allowWrite: () => Promise.resolve(Number.MAX_SAFE_INTEGER),
  checkWrite: () => Promise.resolve(),
  allowRead: () => Promise.resolve(),
};

const [role, ...args] = process.argv.slice(2);
const joinSecret = process.env.MESHDRIVE_JOIN_SECRET;
if (role === 'master') {
  const dir = args[0]!;
  await createMaster({
    directory: new SqliteDirectory(dir),
    accounts: await openAccounts(dir),
    joinSecret,
    port: 0,
    host: '127.0.0.1',
    tickets: unsignedTickets,
    log: (line) => process.stdout.write(`${line}\n`),
  });
} else if (role === 'peer') {
  const [url, dir] = args as [string, string];
  const capacity = 10 * 1024 ** 3;
  const peer = await startMeshPeer({
    signalUrl: url,
    store: await PackStore.open(join(dir), { maxBytes: capacity }),
    hasher: nodeHasher,
    createEndpoint: nodeRtcEndpoints(),
    kind: 'node',
    capacity,
    joinSecret,
    access: openAccess,
  });
  peer.master.socket.on('connect', () => process.stdout.write(`peer ${peer.id} joined ${url}\n`));
} else {
  process.stderr.write('usage: unticketed.ts master DIR | peer URL DIR\n');
  process.exit(2);
}
