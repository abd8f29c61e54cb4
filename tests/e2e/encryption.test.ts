/**
 * End-to-end encryption (issue 18) through a master and three peer processes: nothing of a file
 * (its name, a marker in it, any 64 bytes of it) reaches a peer's or the master's data directory;
 * text is compressed, random data is not inflated; a file password is asked for and checked; a
 * tampered chunk, segments swapped in the master's database and another version's manifest are
 * each refused with their own error, and no output file is left; a password change keeps every
 * file readable.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipInPacks, oneLineError, sealedChunkCount, TEST_PASSWORD, TestMesh } from './harness.js';

const MARKER = 'MESHDRIVE-E2E-MARKER-q7v2';
const NAME = 'ada-secret-diary.txt';
const STORED = /^stored "(.+)" v(\d+): .*, moved ([\d.]+) (B|KiB|MiB) \((\d+) of (\d+) chunks new\)/m;
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 * 1024 };

/** 3,000 lines, each with the marker. */
function markerText(): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`${i} ${MARKER} dear diary, today peer ${(i * 7919) % 10007} said ${(i * 104729) % 65521}`);
  return Buffer.from(lines.join('\n'));
}

function movedBytes(stdout: string): number {
  const match = STORED.exec(stdout);
  if (!match) throw new Error(`no "stored" line in: ${stdout}`);
  return Number(match[3]) * UNITS[match[4]!]!;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => join(dir, name)).filter((path) => statSync(path).isFile());
}

/**
 * Where in `haystack` a 32-byte block of `plain` that starts at a multiple of 32 appears, if
 * anywhere: every 64-byte window of `plain` holds such a block, so none appearing means no 64-byte
 * window does. A rolling hash over the haystack, checked byte for byte on a hit.
 */
function plainBlockIn(plain: Uint8Array, haystack: Uint8Array): number {
  const WINDOW = 32;
  const BASE = 257;
  let power = 1;
  for (let i = 0; i < WINDOW - 1; i++) power = Math.imul(power, BASE) >>> 0;
  const hashOf = (bytes: Uint8Array, start: number): number => {
    let hash = 0;
    for (let i = 0; i < WINDOW; i++) hash = (Math.imul(hash, BASE) + bytes[start + i]!) >>> 0;
    return hash;
  };
  const blocks = new Map<number, number[]>();
  for (let start = 0; start + WINDOW <= plain.length; start += WINDOW) {
    const hash = hashOf(plain, start);
    blocks.set(hash, [...(blocks.get(hash) ?? []), start]);
  }
  if (haystack.length < WINDOW) return -1;
  let hash = hashOf(haystack, 0);
  for (let at = 0; ; at++) {
    for (const start of blocks.get(hash) ?? []) {
      if (Buffer.compare(plain.subarray(start, start + WINDOW), haystack.subarray(at, at + WINDOW)) === 0) return at;
    }
    if (at + WINDOW >= haystack.length) return -1;
    hash = (Math.imul((hash - Math.imul(haystack[at]!, power)) >>> 0, BASE) + haystack[at + WINDOW]!) >>> 0;
  }
}

describe('end-to-end encryption', () => {
  let mesh: TestMesh;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
  });

  afterAll(async () => {
    await mesh?.close();
  });

  /** Sends `contents` as `name`; the CLI's stdout. */
  async function send(name: string, contents: number | Buffer, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; bytes: Buffer }> {
    const { path, bytes } = mesh.writeFile(contents, `local-${name}`);
    const sent = await mesh.cli(['send', path, '--name', name, ...extra], { env });
    expect(sent.code, sent.stderr).toBe(0);
    return { stdout: sent.stdout, bytes };
  }

  /** Receives `name`; a failure must leave no output file. */
  async function receive(name: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; error: string; bytes?: Buffer }> {
    const out = mesh.outPath(name.replace(/\//g, '_'));
    const received = await mesh.cli(['receive', name, '--out', out, ...extra], { env });
    if (received.code !== 0) {
      expect(existsSync(out), `a failed receive left ${out}`).toBe(false);
      expect(readdirSync(join(out, '..')).filter((entry) => entry.includes('meshdrive-partial'))).toEqual([]);
      return { code: received.code, error: oneLineError(received).replace(/^meshdrive: /, '') };
    }
    return { code: 0, error: '', bytes: readFileSync(out) };
  }

  it('leaves no name, marker or 64 bytes of a file on any peer or the master, compresses text, and reads it back', async () => {
    const text = markerText();
    const { stdout } = await send(NAME, text);
    // Compressed before it was encrypted: far fewer bytes moved than the text holds.
    expect(movedBytes(stdout)).toBeLessThanOrEqual(text.length * 0.5);
    const random = await send('noise.bin', 1024 * 1024 + 5);
    // Random data does not deflate, so it is stored as it is plus 12 bytes of nonce per chunk.
    expect(Number(STORED.exec(random.stdout)![6])).toBe(sealedChunkCount(1024 * 1024 + 5));
    expect(movedBytes(random.stdout)).toBeLessThanOrEqual(sealedChunkCount(1024 * 1024 + 5) * 1024);

    const places = [mesh.masterDir, ...mesh.peers.map((peer) => peer.dataDir)];
    for (const file of places.flatMap(filesUnder)) {
      const bytes = readFileSync(file);
      expect(bytes.includes(MARKER), `${file} holds the marker`).toBe(false);
      expect(bytes.includes('ada-secret'), `${file} holds the file's name`).toBe(false);
      expect(plainBlockIn(text, bytes), `${file} holds 32 bytes of the text`).toBe(-1);
      expect(plainBlockIn(random.bytes, bytes), `${file} holds 32 bytes of the random file`).toBe(-1);
    }
    expect(mesh.master.stdout.includes('ada-secret')).toBe(false);

    const back = await receive(NAME);
    expect(back.error).toBe('');
    expect(back.bytes!.equals(text)).toBe(true);
    expect((await mesh.cli(['ls'])).stdout).toMatch(new RegExp(`^${NAME}\\s+${(text.length / 1024).toFixed(1)} KiB\\s+v1`, 'm'));
  }, 120_000);

  it('asks for a file password, says plainly when it is wrong, and writes nothing until it is right', async () => {
    const passwordFile = join(mesh.root, 'file-password');
    writeFileSync(passwordFile, 'open sesame\n');
    const { bytes } = await send('locked.txt', Buffer.from(`${MARKER} locked\n`.repeat(500)), ['--password-file', passwordFile]);
    expect((await receive('locked.txt')).error).toContain('"locked.txt" has a password of its own');
    expect((await receive('locked.txt', [], { MESHDRIVE_FILE_PASSWORD: 'open simsim' })).error).toBe('wrong password for "locked.txt"; nothing was written');
    const right = await receive('locked.txt', [], { MESHDRIVE_FILE_PASSWORD: 'open sesame' });
    expect(right.bytes!.equals(bytes)).toBe(true);
    // The name lists without the password.
    expect((await mesh.cli(['ls'])).stdout).toMatch(/^locked\.txt\s/m);
  }, 60_000);

  it('refuses a chunk tampered with on every holder, with no output file', async () => {
    const { bytes } = await send('rot.bin', 20 * 1024);
    // Chunk 5 as the peers hold it: after the segment's one header chunk of 20 nonces.
    const needle = Buffer.from((await mesh.sealedSegment('rot.bin', bytes)).subarray(6 * 1024, 7 * 1024));
    const holders = [...mesh.peers];
    await Promise.all(holders.map((peer) => peer.daemon.kill('SIGTERM')));
    for (const peer of holders) expect(flipInPacks(peer.dataDir, needle), `peer ${peer.id.slice(0, 8)} holds the chunk`).toBe(true);
    await Promise.all(holders.map((peer) => mesh.startPeer(peer.dataDir)));
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
    const failed = await receive('rot.bin');
    expect(failed.code).toBe(1);
    expect(failed.error).toMatch(/every replica of segment 0 of "rot\.bin" failed/);
  }, 90_000);

  it("refuses segments swapped and another version's manifest served by the master, with no output file", async () => {
    await send('two.bin', 2 * 1024 * 1024);
    await send('versions.txt', Buffer.from('first version\n'.repeat(100)));
    await send('versions.txt', Buffer.from('second version\n'.repeat(100)));
    const [twoToken, versionsToken] = await Promise.all([mesh.tokenOf('two.bin'), mesh.tokenOf('versions.txt')]);
    await mesh.master.kill('SIGTERM');
    const db = new Database(join(mesh.masterDir, 'directory.db'));
    const two = db.prepare('SELECT file_id FROM files WHERE name = ?').get(twoToken) as { file_id: string };
    const rows = db.prepare('SELECT idx, list_hash FROM segments WHERE file_id = ? ORDER BY idx').all(two.file_id) as { idx: number; list_hash: string }[];
    const swap = db.prepare('UPDATE segments SET list_hash = ? WHERE file_id = ? AND idx = ?');
    swap.run(rows[1]!.list_hash, two.file_id, 0);
    swap.run(rows[0]!.list_hash, two.file_id, 1);
    const versions = db.prepare('SELECT file_id FROM files WHERE name = ?').get(versionsToken) as { file_id: string };
    db.prepare('UPDATE versions SET sealed = (SELECT sealed FROM versions WHERE file_id = @id AND version = 1) WHERE file_id = @id AND version = 2').run({ id: versions.file_id });
    db.close();
    await mesh.startMaster();
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));

    const swapped = await receive('two.bin');
    expect(swapped.error).toMatch(/^refused: the master's segments of "two\.bin" are not the ones its sealed manifest names/);
    const replayed = await receive('versions.txt');
    expect(replayed.error).toMatch(/^refused: the master answered with the manifest of another file or version/);
    // Files the master did not tamper with still read.
    expect((await receive('noise.bin')).error).toBe('');
  }, 90_000);

  it('changes the password without encrypting anything again: the new one opens every file, the old one nothing', async () => {
    const changed = await mesh.cli(['passwd'], { env: { MESHDRIVE_NEW_PASSWORD: 'a brand new passphrase' } });
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain('no file needed encrypting again');
    const elsewhere = { MESHDRIVE_HOME: join(mesh.root, 'another-machine') };
    const old = await mesh.cli(['login', '--user', 'tester'], { env: { ...elsewhere, MESHDRIVE_PASSWORD: TEST_PASSWORD } });
    expect(oneLineError(old)).toBe('meshdrive: wrong user name or password');
    const login = await mesh.cli(['login', '--user', 'tester'], { env: { ...elsewhere, MESHDRIVE_PASSWORD: 'a brand new passphrase' } });
    expect(login.code, login.stderr).toBe(0);
    const back = await receive(NAME, [], elsewhere);
    expect(back.bytes!.equals(markerText())).toBe(true);
  }, 60_000);
});
