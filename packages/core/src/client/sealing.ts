/**
 * Where the client seals and opens files: a write's name becomes a lookup token, its segments go
 * through the sealed codec under the file's chunk key, and its manifest is sealed; a read checks
 * the sealed manifest against what the master says before a byte is fetched. The master and the
 * peers only ever see tokens, sizes rounded up to a chunk, ciphertext and its hashes.
 */
import { segmentRange, type Layout } from '../chunking/layout.js';
import type { FileSummary, Manifest } from '../chunking/manifest.js';
import type { Compressor } from '../codec/compressor.js';
import type { Hasher } from '../codec/hasher.js';
import type { SegmentCodec } from '../codec/segment-codec.js';
import { MeshError, SegmentMismatchError, ValidationError } from '../errors.js';
import { openManifest, revealManifest, sealManifest, segmentsDigest, type ManifestBinding } from '../crypto/sealed-manifest.js';
import { AES_KEY_BYTES, randomBytes } from '../crypto/crypto-suite.js';
import type { Keyring } from './keyring.js';
import { sealedCodec, SEALED_CODEC_NAME } from '../crypto/sealed-codec.js';
import type { UserKeys } from '../crypto/user-keys.js';
import type { MeshState, VersionSummary } from '../wire/signal-protocol.js';

export interface Sealing {
  keys: UserKeys;
  compressor: Compressor;
  hasher: Hasher;
}

/** A write as the master will see it. */
export interface SealedWrite {
  /** The lookup token. */
  wireName: string;
  /** The size rounded up to a whole chunk. */
  wireSize: number;
  codec: SegmentCodec;
  /** The sealed manifest of the version about to be committed, and its file key (for sealing to those it is shared with). */
  seal: (fileId: string, version: number, segments: readonly { listHash: string; storedSize: number }[]) => Promise<{ sealed: string; fileKey: Uint8Array; binding: ManifestBinding }>;
}

/** Another user's file this user writes (shared with them to write): its owner, token and chunk key. */
export interface SharedTarget {
  owner: string;
  token: string;
  chunkKey: Uint8Array;
}

export function roundUpToChunk(size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize) * chunkSize;
}

export async function prepareSealedWrite(sealing: Sealing, name: string, size: number, layout: Layout, password?: string, target?: SharedTarget): Promise<SealedWrite> {
  const { keys } = sealing;
  if (target && password !== undefined) throw new ValidationError(`a file with a password of its own is written by its owner only`);
  const token = target?.token ?? (await keys.lookupToken(name));
  const { key, lock } = target ? { key: target.chunkKey, lock: undefined } : await keys.chunkKey(token, password);
  const owner = target?.owner ?? keys.user;
  return {
    wireName: token,
    wireSize: roundUpToChunk(size, layout.chunkSize),
    codec: sealedCodec({ crypto: keys.crypto, compressor: sealing.compressor, chunkSize: layout.chunkSize, key }),
    seal: async (fileId, version, segments) => {
      const digest = await segmentsDigest(sealing.hasher, segments);
      const binding = { owner, token, fileId, version };
      const fileKey = randomBytes(AES_KEY_BYTES);
      return { sealed: await sealManifest(keys, binding, { name, size, digest, chunkKey: key }, lock, fileKey), fileKey, binding };
    },
  };
}

export const bindingOf = (manifest: Pick<Manifest, 'owner' | 'name' | 'fileId' | 'version'>): ManifestBinding => ({ owner: manifest.owner, token: manifest.name, fileId: manifest.fileId, version: manifest.version });

/**
 * The manifest as its writer saw it (real name, exact size, each segment's plain bytes) and the
 * codec to read it with; SegmentMismatchError when the master's segment records are not the ones
 * the sealed manifest commits to.
 */
export async function openSealedRead(sealing: Sealing, manifest: Manifest, password?: string, fileKey?: Uint8Array): Promise<{ manifest: Manifest; codec: SegmentCodec; chunkKey: Uint8Array }> {
  if (manifest.sealed === undefined) throw new ValidationError(`a manifest with the ${manifest.codec ?? 'identity'} codec and no sealed part cannot be read as sealed`);
  if (manifest.codec !== SEALED_CODEC_NAME) throw new ValidationError(`"${manifest.name}" was sealed with the ${manifest.codec ?? 'identity'} codec, which this client does not have`);
  const secrets = await openManifest(sealing.keys, bindingOf(manifest), manifest.sealed, password, fileKey);
  if ((await segmentsDigest(sealing.hasher, manifest.segments)) !== secrets.digest) {
    throw new SegmentMismatchError(`the master's segments of "${secrets.name}" are not the ones its sealed manifest names: swapped, replaced or reordered`);
  }
  if (roundUpToChunk(secrets.size, manifest.chunkSize) !== manifest.size) throw new SegmentMismatchError(`the master's size of "${secrets.name}" is not its sealed size`);
  const plain: Manifest = {
    ...manifest,
    name: secrets.name,
    size: secrets.size,
    segments: manifest.segments.map((segment, index) => {
      const { start, end } = segmentRange(secrets.size, index, manifest);
      return { ...segment, plainSize: end - start };
    }),
  };
  return { manifest: plain, codec: sealedCodec({ crypto: sealing.keys.crypto, compressor: sealing.compressor, chunkSize: manifest.chunkSize, key: secrets.chunkKey }), chunkKey: secrets.chunkKey };
}

/**
 * A listing with real names and sizes; files sealed under other keys, or not opening, are left
 * out. A file shared with the user, or written by a user they shared it with, opens with the file
 * key sealed to them (`sharedKey`), through `keyring`.
 */
export async function revealSummaries<T extends FileSummary>(sealing: Sealing, owner: string, files: readonly T[], keyring?: Keyring): Promise<T[]> {
  const revealed = await Promise.all(
    files.map(async (file) => {
      if (file.sealed === undefined) return file; // written before encryption, in clear
      try {
        const binding = bindingOf({ owner: file.shared?.owner ?? owner, name: file.name, fileId: file.fileId, version: file.version });
        const fileKey = file.sharedKey !== undefined && keyring ? await keyring.open(binding, file.sharedKey) : undefined;
        const { name, size } = await revealManifest(sealing.keys, binding, file.sealed, fileKey);
        return { ...file, name, size };
      } catch (error) {
        if (error instanceof MeshError) return undefined;
        throw error;
      }
    }),
  );
  return revealed.filter((file): file is Awaited<T> => file !== undefined);
}

/** Kept versions of `owner`'s file known by `token`, with their exact sizes; versions that do not open under these keys are left out. */
export async function revealVersions(sealing: Sealing, owner: string, token: string, versions: readonly VersionSummary[], keyring?: Keyring): Promise<VersionSummary[]> {
  const summaries = versions.map(({ shareKey, ...version }) => ({ ...version, name: token, replicas: 0, wanted: 0, ...(shareKey === undefined ? {} : { sharedKey: shareKey }) }));
  const shown = await revealSummaries(sealing, owner, summaries, keyring);
  return shown.map(({ fileId, version, size, createdAt, sealed, sharedKey }) => ({ fileId, version, size, createdAt, ...(sealed === undefined ? {} : { sealed }), ...(sharedKey === undefined ? {} : { shareKey: sharedKey }) }));
}

/**
 * `manifest`'s sealed part, sealed anew for `version` of the same file (a restore makes an old
 * version the newest): the same name, size, chunk key and segments. A file with a password of its
 * own needs it, and keeps it.
 */
export async function resealManifest(sealing: Sealing, manifest: Manifest, version: number, password?: string, oldFileKey?: Uint8Array): Promise<{ sealed: string; fileKey: Uint8Array; binding: ManifestBinding }> {
  const { keys } = sealing;
  const binding = bindingOf(manifest);
  const { locked } = await revealManifest(keys, binding, manifest.sealed!, oldFileKey);
  const secrets = await openManifest(keys, binding, manifest.sealed!, locked ? password : undefined, oldFileKey);
  const lock = locked ? (await keys.chunkKey(manifest.name, password)).lock : undefined;
  const fileKey = randomBytes(AES_KEY_BYTES);
  const next = { ...binding, version };
  return { sealed: await sealManifest(keys, next, secrets, lock, fileKey), fileKey, binding: next };
}

/** The mesh's state with the viewer's file names in place of tokens, in its files and in what each peer holds. */
export async function revealState(sealing: Sealing, state: MeshState, keyring?: Keyring): Promise<MeshState> {
  const names = new Map<string, string>();
  const files = await Promise.all(
    state.files.map(async (file) => {
      const [shown] = await revealSummaries(sealing, file.owner, [file], keyring);
      if (shown) names.set(file.name, shown.name);
      return shown ?? file;
    }),
  );
  const peers = state.peers.map((peer) => ({ ...peer, holds: { ...peer.holds, files: peer.holds.files.map((held) => ({ ...held, name: names.get(held.name) ?? held.name })) } }));
  return { ...state, files, peers };
}

/** An error from the master, its token replaced by the name the user knows. */
export function withName(error: unknown, wireName: string, name: string): unknown {
  if (wireName !== name && error instanceof MeshError && error.message.includes(wireName)) error.message = error.message.split(wireName).join(name);
  return error;
}
