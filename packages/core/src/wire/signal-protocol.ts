/**
 * socket.io messages between the master and its peers and clients: typed event maps (for
 * socket.io's typed Server and Socket) plus a schema for every payload the master receives.
 * Requests use acknowledgements that carry a Reply: a value, or an error with a stable code.
 */
import { z } from 'zod';
import { writeTicketSchema, type ReadTicket, type WriteTicket } from './tickets.js';
import type { ErrorPayload } from '../errors.js';
import type { FileId, PeerId } from '../ids.js';
import type { FileSummary, Manifest } from '../chunking/manifest.js';
import { MAX_CHUNK_SIZE_BYTES, MAX_SEGMENT_CHUNKS, segmentCount } from '../chunking/layout.js';
import { MAX_SEALED_MANIFEST_CHARS } from '../crypto/sealed-manifest.js';
import type { SharingKeys } from '../crypto/share-keys.js';

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorPayload };
export type Ack<T> = (reply: Reply<T>) => void;

export type PeerKind = 'node' | 'browser';
/** `paused`: a tab that stopped contributing on purpose and is still open (as a client); its copies are out of reach until it resumes. */
export type PeerStatus = 'online' | 'stale' | 'dead' | 'paused';

const idSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'ids are letters, digits, - and _');
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/**
 * Characters that change how a name looks without showing (bidirectional overrides and
 * isolates, zero-width characters, the soft hyphen, the byte-order mark): `invoice\u202Efdp.exe`
 * would read as `invoiceexe.pdf`.
 */
const INVISIBLE_CHARACTERS = /[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
/** Folders in a name: `photos/2024/beach.jpg` is the file `beach.jpg` in the folder `photos/2024`. */
export const FOLDER_SEPARATOR = '/';
/**
 * A file name: a relative path of parts joined by `/` (folders, as a folder upload keeps them),
 * each part 1-255 characters and neither `.` nor `..`; no backslash, no control characters, no
 * leading, trailing or doubled `/`; at most 1024 characters in all.
 */
export const fileNameSchema = z
  .string()
  .max(4096, 'a file name has at most 1024 characters') // before normalizing: bounded work
  .transform((name) => name.normalize('NFC'))
  .pipe(z.string()
  .min(1, 'a file name cannot be empty')
  .max(1024, 'a file name has at most 1024 characters')
  .refine((name) => !/[\u0000-\u001f\u007f\\]/.test(name), 'a file name cannot contain backslashes or control characters')
  .refine((name) => !name.startsWith('/') && !name.endsWith('/') && !name.includes('//'), 'a file name cannot start or end with /, or have an empty folder')
  .refine((name) => name.split('/').every((part) => part !== '.' && part !== '..'), 'no part of a file name can be . or ..')
  .refine((name) => name.split('/').every((part) => part.length <= 255), 'each part of a file name has at most 255 characters')
  .refine((name) => !INVISIBLE_CHARACTERS.test(name), 'a file name cannot hold invisible or text-direction characters'));

/**
 * A user name: 1-32 of a-z, 0-9, `.`, `_` and `-`, starting with a letter or digit. Lower case
 * only, so two accounts never differ by case or by look-alike letters.
 */
export const userNameSchema = z
  .string()
  .min(1, 'a user name cannot be empty')
  .max(32, 'a user name has at most 32 characters')
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a user name is lower-case letters, digits, ".", "_" and "-", starting with a letter or digit');
export const MIN_PASSWORD_LENGTH = 8;
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `a password has at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(1024, 'a password has at most 1024 characters');
export const credentialsSchema = z.object({ user: userNameSchema, password: passwordSchema });
/**
 * What the master keeps of a user's keys: the master key wrapped under their password's key
 * (crypto/account-keys.ts), which it cannot open. The `password` the master sees is itself a
 * key derived from the password, never the password.
 */
const base64Url = (max: number) => z.string().min(16).max(max).regex(/^[A-Za-z0-9_-]+$/, 'a key is base64url');
/** A user's sharing key pair (crypto/share-keys.ts): the public half, and the private half sealed on their device. */
export const sharingKeysSchema = z.object({ publicKey: base64Url(128), privateKey: base64Url(512) });
export const accountKeysSchema = z.object({ masterKey: base64Url(256), sharing: sharingKeysSchema.optional() });
export type AccountKeys = z.infer<typeof accountKeysSchema>;
export const signupSchema = credentialsSchema.extend({ keys: accountKeysSchema.optional() });
/** A new password, and the master key wrapped under it: nothing else is encrypted again. */
export const passwordChangeSchema = credentialsSchema.extend({ newPassword: passwordSchema, keys: accountKeysSchema });
export const preloginSchema = z.object({ user: userNameSchema });
export const refreshSchema = z.object({ refreshToken: z.string().min(1).max(200) });

/** What signing up, logging in or refreshing returns: a short-lived access token and a refresh token used once. */
export interface AuthSession {
  user: string;
  accessToken: string;
  /** Epoch ms. */
  accessExpiresAt: number;
  refreshToken: string;
  refreshExpiresAt: number;
  /** The user's wrapped keys, on signing up and logging in (not on a refresh); absent for an account that has none yet. */
  keys?: AccountKeys;
}

/** Longest peer name or device description the master accepts. */
export const MAX_LABEL_CHARS = 100;

export const joinSchema = z.object({
  token: z.string().max(4096).optional(),
  role: z.enum(['peer', 'client']),
  id: idSchema,
  kind: z.enum(['node', 'browser']),
  capacity: z.number().int().nonnegative().max(2 ** 53 - 1).optional(),
  /** The name the peer's person gave it: a tab's device name, a headless peer's --label. */
  label: z.string().max(MAX_LABEL_CHARS).optional(),
  /** What it runs on ("Chromium on Linux"), for the mesh view of a peer nobody named. */
  device: z.string().max(MAX_LABEL_CHARS).optional(),
  /** A client that is a tab whose storage peer (this id) stopped contributing: that peer shows as paused while it is connected. */
  pauses: idSchema.optional(),
  /** The master's challenge (GET /api/challenge), signed with the key whose id is `id` (see peer/identity.ts). */
  proof: z.object({ challenge: z.string().max(200), signature: z.string().max(100) }).optional(),
  /** The mesh's join secret: what a headless storage peer without an account presents. */
  secret: z.string().max(256).optional(),
  /** A storage peer whose store is in memory (--volatile): its copies end with its process. */
  volatile: z.boolean().optional(),
});
export type JoinRequest = z.infer<typeof joinSchema>;

export const peerStatsSchema = z.object({
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  capacity: z.number().int().nonnegative().optional(),
  /** The peer's store refused a write for lack of space and has freed none since. */
  full: z.boolean().optional(),
  /** Its name now, '' when it has none: a renamed peer needs no rejoin. */
  label: z.string().max(MAX_LABEL_CHARS).optional(),
});
export type PeerStats = z.infer<typeof peerStatsSchema>;

/** Pins a peer reports in one answer to the master's `pins` question. */
export const MAX_PIN_REPORT = 4096;
/** A peer's answer to `pins`: segments it sealed at least that long ago, and their ages. */
export const pinReportSchema = z.object({
  pins: z.array(z.object({ list: hex64, ageMs: z.number().int().nonnegative() })).max(MAX_PIN_REPORT),
  /** More pins follow the last one in list order: ask again from there. */
  more: z.boolean(),
});
export type PinReport = z.infer<typeof pinReportSchema>;

/** WebRTC offers, answers and ICE candidates are a few KiB; nothing bigger is relayed. */
export const MAX_SIGNAL_DATA_BYTES = 16 * 1024;
export const signalRelaySchema = z.object({
  to: idSchema,
  connectionId: z.string().min(1).max(64),
  data: z.record(z.string(), z.unknown()).refine((data) => JSON.stringify(data).length <= MAX_SIGNAL_DATA_BYTES, `signaling data has at most ${MAX_SIGNAL_DATA_BYTES} bytes`),
});

const layoutFields = {
  chunkSize: z.number().int().min(16).max(MAX_CHUNK_SIZE_BYTES),
  segmentChunks: z.number().int().min(1).max(MAX_SEGMENT_CHUNKS),
};

/**
 * Most segments one file may have: its placement and its commit must fit one socket.io message
 * (MAX_EVENT_BYTES on the master), and no request may cost the master unbounded work. 16 GiB at
 * the default layout.
 */
export const MAX_FILE_SEGMENTS = 16_384;
const withinSegmentLimit = (request: { size: number; chunkSize: number; segmentChunks: number }): boolean =>
  segmentCount(request.size, request) <= MAX_FILE_SEGMENTS;
const SEGMENT_LIMIT_MESSAGE = `a file has at most ${MAX_FILE_SEGMENTS} segments (16 GiB with 1 KiB chunks)`;

/** A lock's fencing token: it only grows, mesh-wide. */
const fenceSchema = z.number().int().positive().max(2 ** 53 - 1);

/** Whose file a request is about: the caller's own unless another user shared theirs with the caller. */
const ownerField = { owner: userNameSchema.optional() };

export const placeSchema = z.object({
  name: fileNameSchema,
  ...ownerField,
  /** The fencing token of the lock this write is made under, if any. */
  lock: fenceSchema.optional(),
  size: z.number().int().nonnegative().max(2 ** 50),
  fileId: idSchema.optional(),
  ...layoutFields,
}).refine(withinSegmentLimit, SEGMENT_LIMIT_MESSAGE);
export type PlaceRequest = z.infer<typeof placeSchema>;

export interface PlaceResult {
  fileId: FileId;
  /**
   * Who else reads the file's versions, with their sharing public keys: the new version's file
   * key is sealed to each (CommitRequest.shareKeys). The owner is among them when the writer is
   * a user they shared the file with.
   */
  recipients?: { user: string; publicKey: string }[];
  /** Version the write builds on (0 for a new file); the commit compares and sets it. */
  baseVersion: number;
  /** Replicas each segment gets: min(R, live peers). */
  replication: number;
  /** Replica set per segment, primary first. */
  segments: PeerId[][];
  /** The master's write ticket per segment, for its replica set (wire/tickets.ts). */
  tickets: WriteTicket[];
}

/** A version's file key sealed to one user's sharing public key. */
const shareKeysField = { shareKeys: z.array(z.object({ user: userNameSchema, key: z.string().min(16).max(512).regex(/^[A-Za-z0-9_-]+$/) })).max(256).optional() };

export const commitSchema = z.object({
  fileId: idSchema,
  name: fileNameSchema,
  ...ownerField,
  ...shareKeysField,
  /** The fencing token of the lock this write is made under: refused if that lease lapsed. */
  lock: fenceSchema.optional(),
  baseVersion: z.number().int().nonnegative(),
  size: z.number().int().nonnegative().max(2 ** 50),
  ...layoutFields,
  codec: z.string().min(1).max(64).optional(),
  /** The version's sealed manifest (crypto/sealed-manifest.ts), base64url; the master keeps it as it is. */
  sealed: z.string().max(MAX_SEALED_MANIFEST_CHARS).regex(/^[A-Za-z0-9_-]+$/, 'a sealed manifest is base64url').optional(),
  segments: z
    .array(z.object({ listHash: hex64, plainSize: z.number().int().nonnegative(), storedSize: z.number().int().nonnegative(), holders: z.array(idSchema).min(1).max(16) }))
    .max(MAX_FILE_SEGMENTS),
}).refine(withinSegmentLimit, SEGMENT_LIMIT_MESSAGE);
export type CommitRequest = z.infer<typeof commitSchema>;

export const locateSchema = z.object({ name: fileNameSchema, version: z.number().int().positive().optional(), ...ownerField });
export interface LocateResult {
  manifest: Manifest;
  /** The version's file key sealed to the caller, when another user shared the file with them (or a user they shared it with wrote it). */
  shareKey?: string;
  status: Record<string, PeerStatus>;
  /** The master's read ticket per segment of the manifest, in order. */
  tickets: ReadTicket[];
}

export const nameSchema = z.object({ name: fileNameSchema });
export const fileSchema = z.object({ name: fileNameSchema, ...ownerField });

/** Shortest and longest lease a lock may ask for. */
export const MIN_LOCK_TTL_MS = 1_000;
export const MAX_LOCK_TTL_MS = 24 * 60 * 60_000;
const ttlSchema = z.number().int().min(MIN_LOCK_TTL_MS, 'a lock lasts at least a second').max(MAX_LOCK_TTL_MS, 'a lock lasts at most a day');
/** Take a file's lock for `ttlMs`, renewable; with `wait`, queue behind its holder (first come, first served) and be answered when granted. */
export const lockSchema = z.object({ name: fileNameSchema, ttlMs: ttlSchema, wait: z.boolean().optional(), ...ownerField });
export type LockRequest = z.infer<typeof lockSchema>;
/** Extend a held lock's lease by `ttlMs` from now: its holder does this while it works under it. */
export const renewSchema = z.object({ name: fileNameSchema, token: fenceSchema, ttlMs: ttlSchema, ...ownerField });
export type RenewRequest = z.infer<typeof renewSchema>;
/** Release a lock: the one `token` names, or without it the user's own lock on the file, from whichever device. */
export const unlockSchema = z.object({ name: fileNameSchema, token: fenceSchema.optional(), ...ownerField });
export type UnlockRequest = z.infer<typeof unlockSchema>;
/** A lease on a file: its fencing token, when it lapses unless renewed, and who holds it. */
export interface LockGrant {
  name: string;
  token: number;
  expiresAt: number;
  holder: { user: string; device: string };
}
/** What listings show of a lock. */
export type LockView = FileSummary['lock'];

/** One kept version of a file, as `versions` lists them (newest first). */
export interface VersionSummary {
  fileId: FileId;
  version: number;
  /** As the master knows it: a sealed file's size rounded up to a chunk. */
  size: number;
  createdAt: number;
  sealed?: string;
  /** The version's file key sealed to the caller, for a file shared with them. */
  shareKey?: string;
}
/**
 * Make `version`'s contents the file's next version (baseVersion + 1, compare-and-set), reusing
 * its segments where they are: no byte moves. `sealed` is the manifest sealed anew for the new version.
 */
export const restoreSchema = z.object({
  name: fileNameSchema,
  version: z.number().int().positive(),
  baseVersion: z.number().int().nonnegative(),
  sealed: z.string().max(MAX_SEALED_MANIFEST_CHARS).regex(/^[A-Za-z0-9_-]+$/, 'a sealed manifest is base64url').optional(),
  lock: fenceSchema.optional(),
  ...ownerField,
  ...shareKeysField,
});
export type RestoreRequest = z.infer<typeof restoreSchema>;

/**
 * Share the caller's file with `with` (read, or read and write), giving them each kept version's
 * file key sealed to their public key; sharing again changes the access and adds keys.
 */
export const shareSchema = z.object({
  name: fileNameSchema,
  with: userNameSchema,
  write: z.boolean(),
  keys: z.array(z.object({ version: z.number().int().positive(), key: z.string().min(16).max(512).regex(/^[A-Za-z0-9_-]+$/) })).max(1024),
});
export type ShareRequest = z.infer<typeof shareSchema>;
export const unshareSchema = z.object({ name: fileNameSchema, with: userNameSchema });
export const userKeySchema = z.object({ user: userNameSchema });
export const setMyKeysSchema = z.object({ sharing: sharingKeysSchema });
/** Who a file is shared with. */
export interface ShareView {
  user: string;
  write: boolean;
  publicKey?: string;
}
export const emptySchema = z.object({}).passthrough();

export interface PeerView {
  id: PeerId;
  kind: PeerKind;
  status: PeerStatus;
  /**
   * The peers holding copies of the segments this peer is primary for, and how many segments
   * each holds: its backups in fact, from the directory's holder rows.
   */
  backups: { peer: PeerId; segments: number }[];
  /**
   * What the mesh loses if this peer goes: `files` would fall below the replicas they were
   * written with, and of `soleCopies` files it holds the only live copy of some segment.
   */
  atRisk: { files: number; soleCopies: number };
  chunks: number;
  bytes: number;
  capacity: number;
  /** Its store refused a write for lack of space: new writes are placed elsewhere. */
  full: boolean;
  /**
   * A headless peer with a disk store: its copies outlive its process. Tabs close and volatile
   * peers keep memory only, so no segment has all its copies on those while a durable peer is online.
   */
  durable: boolean;
  /** The name its person gave it; without one, views name it by `device` and a short id. */
  label?: string;
  device?: string;
  /** What it holds, from the directory's holder rows. */
  holds: PeerHoldings;
  lastSeen: number;
}

/** Files listed in a peer's holdings: the ones it holds most segments of. */
export const MAX_HELD_FILES = 10;
/** Segment numbers listed per held file; `segments` still counts them all. */
export const MAX_HELD_SEGMENT_INDICES = 32;
/** Segment positions a MeshState carries at most, evenly thinned beyond. */
export const MAX_SEGMENT_POSITIONS = 2000;

export interface PeerHoldings {
  /** Segments (of every file and version) it is the primary of: their first holder. */
  primary: number;
  /** Segments it holds a copy of behind another primary. */
  backup: number;
  /**
   * The viewer's files whose latest version it holds segments of, most segments first, at most
   * MAX_HELD_FILES: `indices` are the first MAX_HELD_SEGMENT_INDICES of those segments (0-based).
   */
  files: { name: string; segments: number; indices: number[] }[];
  /** Files it holds segments of beyond those listed. */
  moreFiles: number;
}

export interface MeshState {
  peers: PeerView[];
  files: (FileSummary & { owner: string })[];
  /** Virtual nodes of the ring, for drawing who owns what. */
  ring: { position: number; peer: PeerId }[];
  /**
   * Where the segments of `files` (latest versions) sit on the ring: the position of each
   * segment's placement key, at most MAX_SEGMENT_POSITIONS.
   */
  segmentPositions: number[];
  replication: number;
  repair: RepairProgress;
}

/**
 * The master's order to a storage peer that holds segment `list`: copy it to peer `to`, as a
 * client would write it (Offer, Push, Seal), showing `ticket`. The holder rows change once `to`
 * reports the seal itself.
 */
export const copyOrderSchema = z.object({ list: hex64, to: idSchema, ticket: writeTicketSchema });
export type CopyOrder = z.infer<typeof copyOrderSchema>;

/** Re-replication as the master sees it (MeshState.repair). */
export interface RepairProgress {
  /** Segments with fewer live copies than the mesh's R (and a peer to copy them to). */
  segments: number;
  /** Bytes those missing copies add up to. */
  bytes: number;
  /** Segments none of whose holders is online: nothing to copy from until one returns. */
  unavailable: number;
  /** Bytes copied per second, over the last few seconds. */
  bytesPerSecond: number;
  /** Copies made since the master started. */
  copies: number;
  /** Peers that reported damaged segments since the master started, and how many: a disk going bad. */
  faults: { peer: PeerId; segments: number }[];
}

export interface ServerToClientEvents {
  heartbeat: (beat: { seq: number }, ack: (stats: PeerStats) => void) => void;
  signal: (relay: { from: PeerId; connectionId: string; data: unknown }) => void;
  /** Unpin these segments; the ack tells the master the order can be forgotten. */
  drop: (order: { lists: string[] }, ack: (done: boolean) => void) => void;
  /**
   * Which segments did you seal at least `olderThanMs` ago? In list order, starting after
   * `after`. The master drops those no file uses and no open send can still commit (HDFS's
   * block reports, asked for by the master).
   */
  pins: (question: { olderThanMs: number; after?: string }, ack: (report: PinReport) => void) => void;
  /**
   * Drop these segments, from a `pins` report, unless sealed again since: their pins must still
   * be `olderThanMs` old. Not acknowledged: the next report is judged afresh.
   */
  abandoned: (order: { lists: string[]; olderThanMs: number }) => void;
  /** `connected: false` means its socket to the master closed: its process is likely gone. */
  'peer-status': (change: { id: PeerId; status: PeerStatus; connected: boolean }) => void;
  /** This socket's access token expired: the master closes it next, and the client rejoins with a fresh token. */
  'session-expired': () => void;
  /**
   * Which of these segments, whose holder the master has this peer down as, does it lack (no pin,
   * or no chunk list)? Asked page by page on every join, so that after a crash of either side
   * what a peer lost is repaired; the answer lists the missing ones.
   */
  holding: (question: { lists: string[] }, ack: (missing: string[]) => void) => void;
  /** Copy a segment this peer holds to another peer (see copyOrderSchema); answered once the copy is sealed there. */
  copy: (order: CopyOrder, ack: Ack<null>) => void;
  /** Sent on every join: the master's public key (base64url), which signs the tickets peers check. */
  welcome: (info: { masterKey: string }) => void;
}

/** A storage peer's receipts for the segments it sealed, batched; no acknowledgement. */
export const sealedSchema = z.object({
  segments: z.array(z.object({ list: hex64, chunks: z.number().int().positive().max(MAX_SEGMENT_CHUNKS) })).min(1).max(1024),
});
export type SealedReport = z.infer<typeof sealedSchema>;

/** Segments per `holding` question. */
export const MAX_HOLDING_QUESTION = 4096;
/** Segments per `damaged` report. */
export const MAX_DAMAGE_REPORT = 1024;
/** A storage peer's report of segments it holds that have missing or damaged chunks (a read or a scrub found them); no acknowledgement. */
export const damagedSchema = z.object({ lists: z.array(hex64).min(1).max(MAX_DAMAGE_REPORT) });

export interface ClientToServerEvents {
  sealed: (report: SealedReport) => void;
  damaged: (report: { lists: string[] }) => void;
  signal: (relay: { to: string; connectionId: string; data: unknown }, ack: Ack<null>) => void;
  place: (request: PlaceRequest, ack: Ack<PlaceResult>) => void;
  commit: (request: CommitRequest, ack: Ack<FileSummary>) => void;
  locate: (request: { name: string; version?: number; owner?: string }, ack: Ack<LocateResult>) => void;
  list: (request: Record<string, never>, ack: Ack<FileSummary[]>) => void;
  remove: (request: { name: string }, ack: Ack<{ removed: number }>) => void;
  status: (request: Record<string, never>, ack: Ack<MeshState>) => void;
  lock: (request: LockRequest, ack: Ack<LockGrant>) => void;
  renew: (request: RenewRequest, ack: Ack<LockGrant>) => void;
  unlock: (request: UnlockRequest, ack: Ack<{ released: boolean }>) => void;
  versions: (request: { name: string; owner?: string }, ack: Ack<VersionSummary[]>) => void;
  restore: (request: RestoreRequest, ack: Ack<FileSummary>) => void;
  share: (request: ShareRequest, ack: Ack<{ shared: true }>) => void;
  unshare: (request: { name: string; with: string }, ack: Ack<{ removed: boolean }>) => void;
  sharees: (request: { name: string }, ack: Ack<ShareView[]>) => void;
  /** Another user's sharing public key. */
  'user-key': (request: { user: string }, ack: Ack<{ user: string; publicKey: string }>) => void;
  /** The caller's own sharing keys (the private half sealed), or none yet. */
  'my-keys': (request: Record<string, never>, ack: Ack<{ sharing?: SharingKeys }>) => void;
  /** Gives the caller's account the sharing keys it lacks (made on this device); an account that has some keeps them. */
  'set-my-keys': (request: { sharing: SharingKeys }, ack: Ack<{ sharing: SharingKeys }>) => void;
}
