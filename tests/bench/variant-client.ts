/**
 * The bench's client for measuring what sealing costs in the same run (bench.ts):
 * `sealed|unsealed send FILE NAME` or `sealed|unsealed receive NAME OUT` against
 * $MESHDRIVE_SIGNAL as the bench user, through the client core `meshdrive send` and `receive`
 * use. `sealed` gives it the user's keys as the CLI does; `unsealed` gives it none, so segments
 * travel as they are. Everything else (the process, the file reads and writes, the timing) is
 * the same for both. Prints the CLI's MESHDRIVE_STATS line (the transfer's seconds). Nothing in
 * the product can leave the keys out: only this script does.
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { connectClient, logIn, nodeCryptoSuite, nodeSealing, type ByteSink, type ByteSource } from '@meshdrive/core';

const [mode, command, first, second] = process.argv.slice(2);
const url = process.env.MESHDRIVE_SIGNAL!;
const post = async <T>(path: string, body: unknown): Promise<T> => {
  const response = await fetch(new URL(path, url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
};
const session = await logIn(nodeCryptoSuite, post, process.env.BENCH_USER!, process.env.MESHDRIVE_PASSWORD!);
const sealing = mode === 'sealed' ? await nodeSealing(session) : undefined;
const connected = await connectClient({ signalUrl: url, token: session.accessToken, ...(sealing ? { sealing } : {}) });
const client = connected.client;
const started = performance.now();
let bytes = 0;
if (command === 'send') {
  // Read from disk segment by segment, as the CLI's own source does.
  const file = await open(first!);
  const size = (await file.stat()).size;
  const source: ByteSource = {
    size,
    read: async (offset, length, buffer) => {
      const into = buffer ?? new Uint8Array(length);
      const { bytesRead } = await file.read(into, 0, length, offset);
      return into.subarray(0, bytesRead);
    },
  };
  bytes = size;
  await client.store(second!, source);
  await file.close();
} else if (command === 'receive') {
  const out = await open(second!, 'w');
  const sink: ByteSink = { write: async (chunk) => void (await out.write(chunk)) };
  bytes = (await client.read(first!, sink)).size;
  await out.close();
} else {
  process.stderr.write('usage: variant-client.ts sealed|unsealed send FILE NAME | sealed|unsealed receive NAME OUT\n');
  process.exit(2);
}
const status = readFileSync('/proc/self/status', 'utf8');
const mib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) / 1024;
process.stderr.write(`${JSON.stringify({ seconds: (performance.now() - started) / 1000, bytes, peakRssMiB: mib('VmHWM'), anonMiB: mib('RssAnon') })}\n`);
connected.close();
process.exit(0);
