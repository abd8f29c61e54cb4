/**
 * Bad input at every door: the CLI, socket.io events sent straight at the master, raw frames on
 * a real data channel to a peer, and a chunk corrupted on a peer's disk. Each gets a typed
 * error and a clear message; no process crashes, nothing stored is lost.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeFrame,
  encodeChunkBatch,
  encodeChunkList,
  encodeFrame,
  FrameType,
  MeshError,
  randomId,
  type MasterConnection,
  type ReadTicket,
  type RpcConnection,
  type WriteTicket,
} from '@meshdrive/core';
import { connected, oneLineError, TestMesh } from './harness.js';

const KIB = 1024;
const PRECIOUS_SIZE = 300 * KIB + 5;
const ACK_TIMEOUT_MS = 5_000;

type Reply = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('bad input', () => {
  let mesh: TestMesh;
  let precious: Buffer;
  /** precious.bin as the peers hold it: sealed. */
  let preciousSealed: Uint8Array;
  /** What the master knows precious.bin by. */
  let preciousToken: string;
  /** The name of chunk `index` of precious.bin's data, after its segment's header chunks of nonces. */
  let chunkHash: (index: number) => Buffer;

  beforeAll(async () => {
    mesh = await TestMesh.start({ peers: 3 });
    const file = mesh.writeFile(PRECIOUS_SIZE, 'precious.bin');
    precious = file.bytes;
    const sent = await mesh.cli(['send', file.path]);
    expect(sent.code, sent.stderr).toBe(0);
    preciousToken = await mesh.tokenOf('precious.bin');
    preciousSealed = await mesh.sealedSegment('precious.bin', precious);
    const headerChunks = Math.ceil((28 + 12 * Math.ceil(PRECIOUS_SIZE / KIB)) / KIB);
    chunkHash = (index) => sha256(preciousSealed.subarray((headerChunks + index) * KIB, (headerChunks + index + 1) * KIB));
  }, 120_000);

  afterAll(async () => {
    await mesh?.close();
  });

  async function expectPreciousIntact(): Promise<void> {
    const out = mesh.outPath('precious.bin');
    const received = await mesh.cli(['receive', 'precious.bin', '--out', out]);
    expect(received.code, `${received.stderr}\n${mesh.describe()}`).toBe(0);
    expect(readFileSync(out).equals(precious), 'precious.bin came back different').toBe(true);
  }

  describe('the command line', () => {
    it('receive never writes through a planted symlink', async () => {
      const victim = join(mesh.root, 'victim.txt');
      writeFileSync(victim, 'do not touch');
      const out = join(mesh.filesDir, 'linked-out.bin');
      // At the partial file's name as it once was (predictable), and at the output itself.
      symlinkSync(victim, join(mesh.filesDir, '.linked-out.bin.meshdrive-partial'));
      symlinkSync(victim, out);
      const received = await mesh.cli(['receive', 'precious.bin', '--out', out]);
      expect(received.code, received.stderr).toBe(0);
      expect(readFileSync(victim, 'utf8')).toBe('do not touch');
      expect(lstatSync(out).isSymbolicLink()).toBe(false);
      expect(readFileSync(out).equals(precious)).toBe(true);
    });

    it('receive of an unknown name: exit 1, one line, nothing left behind', async () => {
      const result = await mesh.cli(['receive', 'ghost.bin']);
      expect(result.code).toBe(1);
      expect(oneLineError(result)).toBe('meshdrive: no file named "ghost.bin" in the mesh');
      expect(result.stdout).toBe('');
      expect(existsSync(join(mesh.root, 'ghost.bin'))).toBe(false);
      expect(readdirSync(mesh.root).filter((name) => name.includes('meshdrive-partial'))).toEqual([]);
    });

    it('send of a missing local file: exit 1, one line naming the path', async () => {
      const missing = join(mesh.filesDir, 'does-not-exist.bin');
      const result = await mesh.cli(['send', missing]);
      expect(result.code).toBe(1);
      expect(oneLineError(result)).toBe(`meshdrive: ${missing}: no such file or directory`);
    });

    it('send of a directory: exit 1, one line', async () => {
      const directory = join(mesh.filesDir, 'a-directory');
      mkdirSync(directory);
      const result = await mesh.cli(['send', directory]);
      expect(result.code).toBe(1);
      expect(oneLineError(result)).toMatch(/is a directory/);
    });

    it('names with path tricks are refused before anything is sent', async () => {
      const file = mesh.writeFile(10, 'tricky.bin');
      const tricks = [['receive', '../x'], ['receive', '/etc/passwd'], ['receive', 'a/../../b'], ['rm', '..'], ['rm', 'a//b'], ['send', file.path, '--name', 'a\\b'], ['send', file.path, '--name', '../x'], ['send', file.path, '--name', 'photos/']];
      for (const args of tricks) {
        const result = await mesh.cli(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(oneLineError(result)).toMatch(/is not a valid name: (a file name cannot|no part of a file name can be)/);
      }
    });

    it('usage errors exit 2 with one line', async () => {
      for (const args of [['frobnicate'], ['send'], ['receive', 'a', 'b'], ['ls', '--no-such-flag'], ['ls', 'a', 'b']]) {
        const result = await mesh.cli(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(oneLineError(result)).toMatch(/^meshdrive: /);
      }
      // Each names what was wrong, and nothing was asked of the master.
      const said: [string[], string][] = [
        [['restore', 'a.txt'], 'meshdrive: restore needs --version N (see meshdrive versions NAME)'],
        [['receive', 'a.txt', '--version', 'latest'], 'meshdrive: --version takes a version number (1, 2, …), not "latest"'],
        [['lock', 'a.txt', '--ttl', 'forever'], 'meshdrive: --ttl: "forever" is not a duration (try 30s, 500ms or 2m)'],
        [['share', 'a.txt', '--with', 'Bob!'], 'meshdrive: --with: a user name is lower-case letters, digits, ".", "_" and "-", starting with a letter or digit'],
        [['unshare', 'a.txt'], 'meshdrive: name the user with --with USER'],
        [['ls', '--sort', 'colour'], 'meshdrive: --sort takes name, size, date, not "colour"'],
        [['receive', 'a.txt', '--owner', '../x'], 'meshdrive: --owner: a user name is lower-case letters, digits, ".", "_" and "-", starting with a letter or digit'],
      ];
      for (const [args, line] of said) {
        const result = await mesh.cli(args);
        expect(result.code, args.join(' ')).toBe(2);
        expect(oneLineError(result)).toBe(line);
      }
      // A lock with too short or too long a lease is refused by the master's schema, in one line.
      const short = await mesh.cli(['lock', 'a.txt', '--ttl', '10ms']);
      expect(short.code).toBe(1);
      expect(oneLineError(short)).toMatch(/^meshdrive: .*a lock lasts at least a second/);
    });

    it('an unreachable master: exit 1, one line', async () => {
      const port = await closedPort();
      const result = await mesh.cli(['ls', '--signal', `http://127.0.0.1:${port}`], { signal: false });
      expect(result.code).toBe(1);
      expect(oneLineError(result)).toMatch(new RegExp(`^meshdrive: cannot reach the master at http://127\\.0\\.0\\.1:${port}`));
    }, 30_000);
  });

  describe('socket.io events sent straight to the master', () => {
    it('refuses a malformed join with a typed error', async () => {
      const socket = mesh.rawSocket({ role: 'admin', id: '../../etc/passwd', kind: 'toaster' });
      const error = await connected(socket).then(() => undefined, (failure: unknown) => failure);
      expect((error as { data?: { code?: string } } | undefined)?.data?.code).toBe('ERR_VALIDATION');
    });

    const layout = { chunkSize: 1024, segmentChunks: 1024 };
    const hugeName = 'x'.repeat(1_000_000);
    const malformed: [string, string, unknown][] = [
      ['place with wrong types', 'place', { name: 5, size: 'big' }],
      ['place of ../x', 'place', { name: '../x', size: 1, ...layout }],
      ['place of /etc/passwd', 'place', { name: '/etc/passwd', size: 1, ...layout }],
      ['place of a/../b', 'place', { name: 'a/../b', size: 1, ...layout }],
      ['place of a\\b', 'place', { name: 'a\\b', size: 1, ...layout }],
      ['place of ..', 'place', { name: '..', size: 1, ...layout }],
      ['place with a control character', 'place', { name: 'a\u0000b', size: 1, ...layout }],
      ['place with a huge name', 'place', { name: hugeName, size: 1, ...layout }],
      ['place of a negative size', 'place', { name: 'n.bin', size: -1, ...layout }],
      ['place of an absurd size', 'place', { name: 'n.bin', size: 2 ** 60, ...layout }],
      ['place with chunkSize 0', 'place', { name: 'n.bin', size: 1, chunkSize: 0, segmentChunks: 1024 }],
      ['place with a bad file id', 'place', { name: 'n.bin', size: 1, fileId: '../../x', ...layout }],
      ['place with null', 'place', null],
      ['locate with a string', 'locate', 'precious.bin'],
      ['locate with an array', 'locate', ['precious.bin']],
      ['locate of ../precious.bin', 'locate', { name: '../precious.bin' }],
      ['locate of version 0', 'locate', { name: 'precious.bin', version: 0 }],
      ['locate of version 1.5', 'locate', { name: 'precious.bin', version: 1.5 }],
      ['locate with a huge name', 'locate', { name: hugeName }],
      ['commit of nothing', 'commit', {}],
      ['commit with the wrong segment count', 'commit', { fileId: 'f', name: 'c.bin', baseVersion: 0, size: 5 * KIB * KIB, ...layout, segments: [] }],
      ['commit with a non-hex list hash', 'commit', { fileId: 'f', name: 'c.bin', baseVersion: 0, size: 1, ...layout, segments: [{ listHash: 'zz', size: 1, holders: ['p'] }] }],
      ['commit with no holders', 'commit', { fileId: 'f', name: 'c.bin', baseVersion: 0, size: 1, ...layout, segments: [{ listHash: 'a'.repeat(64), size: 1, holders: [] }] }],
      ['commit over a path trick', 'commit', { fileId: 'f', name: '../precious.bin', baseVersion: 1, size: 0, ...layout, segments: [] }],
      ['remove with a number', 'remove', { name: 5 }],
      ['remove of a/../precious.bin', 'remove', { name: 'a/../precious.bin' }],
      ['list with a string', 'list', 'everything'],
      ['status with a number', 'status', 42],
      ['signal with nothing', 'signal', {}],
      ['signal with wrong types', 'signal', { to: 5, connectionId: 5, data: 'x' }],
      ['signal to a path', 'signal', { to: '../../etc', connectionId: 'c', data: {} }],
      ['signal with a huge connection id', 'signal', { to: 'someone', connectionId: hugeName, data: {} }],
    ];

    it.each(malformed)('%s gets ERR_VALIDATION', async (_label, event, payload) => {
      const socket = mesh.rawSocket();
      await connected(socket);
      const reply = await ask(socket, event, payload);
      expect(reply.ok).toBe(false);
      if (reply.ok) return;
      expect(reply.error.code).toBe('ERR_VALIDATION');
      expect(reply.error.message.length).toBeLessThan(500);
      socket.disconnect();
    });

    it('a version that does not exist gets ERR_VERSION_NOT_FOUND', async () => {
      const socket = mesh.rawSocket();
      await connected(socket);
      const reply = await ask(socket, 'locate', { name: preciousToken, version: 99 });
      expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_VERSION_NOT_FOUND' } });
    });

    it('a signal relay to an unknown peer gets ERR_PEER_UNAVAILABLE', async () => {
      const socket = mesh.rawSocket();
      await connected(socket);
      const reply = await ask(socket, 'signal', { to: 'nobody-here', connectionId: 'c1', data: { type: 'offer', sdp: 'v=0' } });
      expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_PEER_UNAVAILABLE' } });
    });

    it('a commit over an existing file with a stale base version gets ERR_VERSION_CONFLICT', async () => {
      const socket = mesh.rawSocket();
      await connected(socket);
      const reply = await ask(socket, 'commit', { fileId: randomId(), name: preciousToken, baseVersion: 0, size: 0, ...layout, segments: [] });
      expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_VERSION_CONFLICT' } });
    });

    it('a commit naming segments never sealed, or holders that never confirmed, gets ERR_UNCONFIRMED_SEGMENT', async () => {
      const socket = mesh.rawSocket();
      await connected(socket);
      const placed = await ask(socket, 'place', { name: 'forged.bin', size: 300 * 1024, ...layout });
      expect(placed.ok).toBe(true);
      const { fileId, segments } = (placed as { value: { fileId: string; segments: string[][] } }).value;
      const forged = (listHash: string, holders: string[], size = 300 * 1024, storedSize = size) =>
        // The master waits a few seconds for receipts that might still be on their way.
        ask(socket, 'commit', { fileId, name: 'forged.bin', baseVersion: 0, size, ...layout, segments: [{ listHash, plainSize: size, storedSize, holders }] }, 15_000);
      expect(await forged('ab'.repeat(32), segments[0]!)).toMatchObject({ ok: false, error: { code: 'ERR_UNCONFIRMED_SEGMENT' } });
      // precious.bin's real segment, sealed by its real holders, named with a holder that never held it.
      const { manifest } = await mesh.locate('precious.bin');
      const real = manifest.segments[0]!;
      const reply = await forged(real.listHash, [...real.holders.slice(0, 2), 'made-up-peer'], PRECIOUS_SIZE, real.storedSize);
      expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_UNCONFIRMED_SEGMENT' } });
      expect(JSON.stringify(reply)).toContain('peer made-up- never confirmed');
      expect((await mesh.state()).files.map((file) => file.name)).not.toContain('forged.bin');
    }, 30_000);

    it('events without an acknowledgement, unknown events and oversized messages do no harm', async () => {
      const socket = mesh.rawSocket();
      await connected(socket);
      socket.emit('locate', { name: preciousToken });
      socket.emit('place', 'garbage');
      socket.emit('commit', { name: '../x' });
      socket.emit('signal', null);
      socket.emit('no-such-event', { name: 'x' }, () => undefined);
      socket.emit('heartbeat', { seq: 'x' });
      // Still answered after all that.
      expect(await ask(socket, 'locate', { name: preciousToken })).toMatchObject({ ok: true });

      // Past the master's 8 MiB limit socket.io drops the connection instead of parsing it.
      const greedy = mesh.rawSocket();
      await connected(greedy);
      const dropped = new Promise<string>((resolve) => greedy.once('disconnect', resolve));
      greedy.emit('locate', { name: 'y'.repeat(9 * KIB * KIB) });
      expect(await dropped).toMatch(/transport/);
      expect((await fetch(`${mesh.url}/healthz`)).ok).toBe(true);
    });

    it('garbage signaling relayed to a real peer does not hurt it; non-objects and oversized data are not relayed', async () => {
      const socket = mesh.rawSocket();
      await connected(socket);
      const target = mesh.peers[0]!.id;
      const garbage: unknown[] = [
        { type: 'offer', sdp: 'this is not SDP' },
        { type: 'offer' },
        { type: 'answer', sdp: 'v=0' },
        { candidate: { candidate: 'candidate:garbage', sdpMid: '0', sdpMLineIndex: 0 } },
        { renegotiate: true },
      ];
      for (const [i, data] of garbage.entries()) {
        const reply = await ask(socket, 'signal', { to: target, connectionId: `evil-${i}`, data });
        expect(reply, `relay ${i}`).toMatchObject({ ok: true });
      }
      for (const data of ['a string', null, 12345, { type: 'offer', sdp: 'v=0\r\n'.repeat(100_000) }]) {
        const reply = await ask(socket, 'signal', { to: target, connectionId: 'evil-refused', data });
        expect(reply).toMatchObject({ ok: false, error: { code: 'ERR_VALIDATION' } });
      }
      // The peer still answers its heartbeats and serves reads.
      await mesh.waitForStatus(target, 'online');
      await expectPreciousIntact();
      expect(mesh.peers[0]!.daemon.alive).toBe(true);
    }, 60_000);
  });

  describe('frames on a real data channel', () => {
    let rpc: RpcConnection;
    let dialer: MasterConnection;
    let tickets: WriteTicket[];
    let target: string;
    const replies = new Map<number, ReturnType<typeof decodeFrame>>();

    beforeAll(async () => {
      target = mesh.peers[1]!.id;
      ({ rpc, master: dialer } = await mesh.dialPeer(target));
      tickets = await mesh.writeTickets(dialer, 32);
      rpc.channel.onMessage((message) => {
        try {
          const frame = decodeFrame(message);
          replies.set(frame.requestId, frame);
        } catch {
          // A malformed frame from the peer would fail the assertions below.
        }
      });
    }, 60_000);

    /** Sends raw bytes and waits for the reply frame the peer sends back for `requestId`. */
    async function sendRaw(message: Uint8Array, requestId: number): Promise<{ code: string; message: string }> {
      replies.delete(requestId);
      await rpc.channel.send(message);
      const deadline = Date.now() + ACK_TIMEOUT_MS;
      while (!replies.has(requestId)) {
        if (Date.now() > deadline) throw new Error(`no reply to raw frame ${requestId}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const frame = replies.get(requestId)!;
      expect(frame.type).toBe(FrameType.Error);
      return frame.meta as { code: string; message: string };
    }

    async function requestError(type: number, meta: unknown, body?: Uint8Array): Promise<string> {
      const error = await rpc.request(type, meta, body).then(() => undefined, (failure: unknown) => failure);
      expect(error).toBeInstanceOf(MeshError);
      return (error as MeshError).code;
    }

    const segmentMeta = (): { list: string; next: string[] } => ({ list: hex(sha256(Buffer.from(randomId()))), next: [] });
    /** A fresh write ticket from the master: each is good for one segment. */
    const ticket = (): WriteTicket => tickets.pop()!;

    /** Offers a segment of chunks named `names`, pushes `batch` (never answered) and returns the error code of the Seal that reports it. */
    async function pushError(batch: Uint8Array, names: Uint8Array[]): Promise<string> {
      const listBytes = encodeChunkList(names);
      const meta = { list: hex(sha256(listBytes)), next: [] };
      await rpc.request(FrameType.Offer, { ...meta, ticket: ticket() }, listBytes);
      await rpc.notify(FrameType.Push, meta, batch);
      return requestError(FrameType.Seal, meta);
    }

    /** The master's read ticket for segment 0 of precious.bin, as the dialer locates it. */
    async function preciousRead(): Promise<{ list: string; ticket: ReadTicket }> {
      const located = await dialer.locate({ name: preciousToken });
      return { list: located.manifest.segments[0]!.listHash, ticket: located.tickets[0]! };
    }

    it('a frame whose length field lies gets ERR_FRAME', async () => {
      const body = encodeChunkBatch([{ hash: sha256(Buffer.from('hello')), bytes: Buffer.from('hello') }]);
      const longer = encodeFrame({ type: FrameType.Offer, requestId: 0x7001, meta: segmentMeta(), body });
      new DataView(longer.buffer).setUint32(12, body.length + 1000);
      const error = await sendRaw(longer, 0x7001);
      expect(error.code).toBe('ERR_FRAME');
      expect(error.message).toMatch(/length fields/);

      const shorter = encodeFrame({ type: FrameType.Offer, requestId: 0x7002, meta: segmentMeta(), body });
      new DataView(shorter.buffer).setUint32(12, body.length - 1);
      expect((await sendRaw(shorter, 0x7002)).code).toBe('ERR_FRAME');

      const hugeMeta = encodeFrame({ type: FrameType.Get, requestId: 0x7003, body: new Uint8Array(32) });
      new DataView(hugeMeta.buffer).setUint32(8, 0xffffffff);
      expect((await sendRaw(hugeMeta, 0x7003)).code).toBe('ERR_FRAME');
    });

    it('other malformed frames get ERR_FRAME', async () => {
      const badMagic = encodeFrame({ type: FrameType.Get, requestId: 0x7101, body: new Uint8Array(32) });
      badMagic[0] = 0x00;
      expect((await sendRaw(badMagic, 0x7101)).code).toBe('ERR_FRAME');

      const badVersion = encodeFrame({ type: FrameType.Get, requestId: 0x7102, body: new Uint8Array(32) });
      badVersion[1] = 99;
      expect((await sendRaw(badVersion, 0x7102)).code).toBe('ERR_FRAME');

      const shortHeader = encodeFrame({ type: FrameType.Get, requestId: 0x7103 }).subarray(0, 10);
      expect((await sendRaw(shortHeader, 0x7103)).code).toBe('ERR_FRAME');

      const notJson = encodeFrame({ type: FrameType.Offer, requestId: 0x7104, meta: 'x' });
      notJson.set(Buffer.from('{x'), 16);
      new DataView(notJson.buffer).setUint32(8, 2);
      expect((await sendRaw(notJson.subarray(0, 18), 0x7104)).code).toBe('ERR_FRAME');
    });

    it('a chunk whose bytes do not match its hash gets ERR_CHUNK_CORRUPT and is not stored', async () => {
      const claimed = sha256(Buffer.from('what the hash says'));
      const body = encodeChunkBatch([{ hash: claimed, bytes: Buffer.from('what the bytes are') }]);
      expect(await pushError(body, [claimed])).toBe('ERR_CHUNK_CORRUPT');
      // A good chunk batched with a bad one: the batch is refused as a whole.
      const good = Buffer.from('an honest chunk');
      const mixed = encodeChunkBatch([{ hash: sha256(good), bytes: good }, { hash: claimed, bytes: Buffer.from('liar') }]);
      expect(await pushError(mixed, [sha256(good), claimed])).toBe('ERR_CHUNK_CORRUPT');
      // (That nothing of them was stored is checked against the store itself in storage-peer.node.test.ts: no read ticket names them.)
    });

    it('an offered chunk list that does not match its name gets ERR_CHUNK_CORRUPT', async () => {
      const list = encodeChunkList([sha256(Buffer.from('a')), sha256(Buffer.from('b'))]);
      expect(await requestError(FrameType.Offer, { ...segmentMeta(), ticket: ticket() }, list)).toBe('ERR_CHUNK_CORRUPT');
    });

    it('requests with bad metadata or bodies get ERR_VALIDATION or ERR_FRAME', async () => {
      expect(await requestError(99, {}, new Uint8Array(0))).toBe('ERR_VALIDATION');
      expect(await requestError(FrameType.Get, undefined, new Uint8Array(33))).toBe('ERR_VALIDATION');
      expect(await requestError(FrameType.Seal, { list: '../../etc/passwd', next: [] })).toBe('ERR_VALIDATION');
      expect(await requestError(FrameType.Seal, { list: 'a'.repeat(64), next: Array.from({ length: 9 }, () => 'p') })).toBe('ERR_VALIDATION');
      expect(await requestError(FrameType.Seal, 'not an object')).toBe('ERR_VALIDATION');
      // A batch entry whose own length field runs past the batch.
      const entry = encodeChunkBatch([{ hash: sha256(Buffer.from('x')), bytes: Buffer.from('x') }]);
      new DataView(entry.buffer).setUint32(32, 5000);
      expect(await pushError(entry, [sha256(Buffer.from('x'))])).toBe('ERR_FRAME');
    });

    it('a write or read without the master’s ticket, or with another segment’s, is refused and stores nothing', async () => {
      const chunk = Buffer.from('no ticket, no storage');
      const listBytes = encodeChunkList([sha256(chunk)]);
      const meta = { list: hex(sha256(listBytes)), next: [] };
      const batch = encodeChunkBatch([{ hash: sha256(chunk), bytes: chunk }]);
      expect(await requestError(FrameType.Offer, meta, listBytes)).toBe('ERR_TICKET_REQUIRED');
      await rpc.notify(FrameType.Push, meta, batch);
      expect(await requestError(FrameType.Seal, meta)).toBe('ERR_TICKET_REQUIRED');
      // A ticket already used for one segment does not write another.
      const used = ticket();
      const first = Buffer.from('the segment this ticket was first shown with');
      const firstList = encodeChunkList([sha256(first)]);
      await rpc.request(FrameType.Offer, { list: hex(sha256(firstList)), next: [], ticket: used }, firstList);
      expect(await requestError(FrameType.Offer, { ...meta, ticket: used }, listBytes)).toBe('ERR_TICKET_MISMATCH');
      // A forged ticket: the master's fields, another signature.
      expect(await requestError(FrameType.Offer, { ...meta, ticket: { ...ticket(), sig: 'A'.repeat(86) } }, listBytes)).toBe('ERR_TICKET_INVALID');
      // Reads: none without a ticket; with precious.bin's, only precious.bin's chunks.
      expect(await requestError(FrameType.Get, undefined, encodeChunkList([sha256(chunk)]))).toBe('ERR_TICKET_REQUIRED');
      expect(await requestError(FrameType.Get, await preciousRead(), encodeChunkList([sha256(first)]))).toBe('ERR_TICKET_MISMATCH');
      // The refused writes stored nothing: neither the chunk nor a list naming it is in the target's packs (precious.bin's first chunk is).
      expect(onDisk(mesh.peer(target).dataDir, chunkHash(0))).toBe(true);
      expect(onDisk(mesh.peer(target).dataDir, sha256(chunk))).toBe(false);
    });

    it('the same connection still serves good requests afterwards', async () => {
      const read = await preciousRead();
      const chunks: Uint8Array[] = [];
      await rpc.request(FrameType.Get, read, encodeChunkList([Buffer.from(read.list, 'hex')]), { onData: (body) => { if (body.length > 0) chunks.push(body); } });
      expect(chunks.length).toBeGreaterThan(0);
      expect(rpc.closed).toBe(false);
    });
  });

  describe('corrupt chunks on a peer\'s disk', () => {
    it('receive gets every chunk from a good replica, even when two replicas are corrupt in different places', async () => {
      const { manifest } = await mesh.locate('precious.bin');
      const [first, second] = manifest.segments[0]!.holders;
      // The primary is corrupt at chunk 3, the first backup at chunk 200: a reader must switch twice.
      for (const [holder, index] of [[first!, 3], [second!, 200]] as const) {
        rot(mesh.peer(holder).dataDir, chunkHash(index));
      }
      await expectPreciousIntact();

      // The corrupt primary never hands out its bad bytes: a direct read is refused.
      const { rpc, master } = await mesh.dialPeer(first!);
      const located = await master.locate({ name: preciousToken });
      const read = { list: located.manifest.segments[0]!.listHash, ticket: located.tickets[0]! };
      const error = await rpc.request(FrameType.Get, read, encodeChunkList([chunkHash(3)])).then(() => undefined, (failure: unknown) => failure);
      expect(['ERR_CHUNK_CORRUPT', 'ERR_CHUNK_NOT_FOUND']).toContain((error as MeshError | undefined)?.code);
    }, 60_000);
  });

  it('afterwards every process is alive, every peer online and nothing stored is lost', async () => {
    await mesh.waitForOnline(mesh.peers.map((peer) => peer.id));
    expect(mesh.master.alive).toBe(true);
    for (const peer of mesh.peers) expect(peer.daemon.alive, peer.daemon.describe()).toBe(true);
    await expectPreciousIntact();
    const ls = await mesh.cli(['ls', '--json']);
    const files = JSON.parse(ls.stdout) as { name: string; version: number }[];
    expect(files.map((file) => `${file.name} v${file.version}`)).toEqual(['precious.bin v1']);
    // No handler threw: the daemons report anything that escapes as "unexpected error".
    expect(mesh.master.stderr).not.toMatch(/unexpected error/);
    for (const peer of mesh.peers) expect(peer.daemon.stderr, peer.daemon.name).not.toMatch(/unexpected error/);
  }, 60_000);
});

/** Whether `hash`'s bytes appear anywhere in a peer's pack files: as a chunk's record, or inside a stored chunk list. */
function onDisk(dataDir: string, hash: Buffer): boolean {
  const packs = join(dataDir, 'packs');
  return readdirSync(packs).some((name) => readFileSync(join(packs, name)).includes(hash));
}

/** Flips a byte of a 1 KiB chunk where a peer's pack files hold it, behind the peer's back. */
function rot(dataDir: string, hash: Buffer): void {
  const header = Buffer.alloc(4 + hash.length);
  header.writeUInt32LE(KIB, 0); // a record: its length, then its hash
  hash.copy(header, 4);
  const packs = join(dataDir, 'packs');
  for (const name of readdirSync(packs)) {
    const file = join(packs, name);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(header);
    if (at < 0) continue;
    const target = at + header.length + 7;
    const fd = openSync(file, 'r+');
    try {
      writeSync(fd, Buffer.from([bytes[target]! ^ 0x55]), 0, 1, target);
    } finally {
      closeSync(fd);
    }
    return;
  }
  throw new Error(`no record of chunk ${hash.toString('hex').slice(0, 12)} in ${packs}`);
}

async function ask(socket: ReturnType<TestMesh['rawSocket']>, event: string, payload: unknown, timeoutMs = ACK_TIMEOUT_MS): Promise<Reply> {
  const reply: unknown = await socket.timeout(timeoutMs).emitWithAck(event, payload);
  return reply as Reply;
}

/** A port nothing listens on: bound once by us, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
