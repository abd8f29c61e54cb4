/**
 * The contents of @meshdrive/core that run on both platforms; index.ts adds the Node adapters
 * and index.browser.ts the browser ones. Test suites and fakes are in `@meshdrive/core/testing`.
 */

// Errors: one class per failure, each with a stable `static code`.
export {
  MeshError, InternalError, ValidationError, ProtocolError, FrameError, FrameTooLargeError, ChunkCorruptError, ChunkNotFoundError,
  SegmentIncompleteError, FileNotFoundError, NoPeersError, PeerUnavailableError, ReplicasUnavailableError, ReplicationError,
  VersionConflictError, TimeoutError, MasterUnreachableError, NotServingError, NoReplyError, StoreClosedError, StoreError,
  QuotaExceededError, UnauthorizedError, SendExpiredError, AuthRequiredError, BadCredentialsError, UserExistsError,
  TokenExpiredError, TokenInvalidError, TokenAlgorithmError, TokenSignatureError, TokenClaimsError, RateLimitedError, UnconfirmedSegmentError,
  PeerProofError, JoinSecretError, TicketRequiredError, TicketExpiredError, TicketInvalidError, TicketMismatchError,
  DecryptError, FilePasswordRequiredError, WrongFilePasswordError, ManifestMismatchError, SegmentMismatchError, KeysMissingError,
  FileLockedError, LockLapsedError, VersionNotFoundError, UserNotFoundError, StaleEpochError,
  ERROR_CLASSES, toErrorPayload, fromErrorPayload, isErrorOf, type ErrorClass, type ErrorPayload,
} from './errors.js';

// Identifiers and bytes.
export { asPeerId, asFileId, asChunkHash, randomId, type PeerId, type FileId, type ChunkHash, type HashBytes } from './ids.js';
export { toHex, fromHex, bytesEqual, toBase64Url, fromBase64Url } from './bytes.js';
export { systemClock, type Clock } from './clock.js';

// Chunking: how a file maps onto chunks and segments, chunk lists, manifests.
export { DEFAULT_LAYOUT, MAX_SEGMENT_CHUNKS, segmentCount, segmentBytes, segmentRange, type Layout } from './chunking/layout.js';
export { encodeChunkList, HASH_BYTES } from './chunking/chunk-list.js';
export type { Manifest, SegmentRecord, FileSummary } from './chunking/manifest.js';

// Placement: the consistent-hash ring.
export { HashRing, ringPosition, segmentKey } from './ring.js';

// Codecs: hashing and the segment codec stage.
export type { Hasher } from './codec/hasher.js';
export { identityCodec, MAX_CODEC_OVERHEAD_BYTES, maxStoredChunks, type SegmentCodec } from './codec/segment-codec.js';

// Crypto: client-side encryption (one suite per platform), account and user keys, sealed manifests.
export { NONCE_BYTES, type CryptoSuite } from './crypto/crypto-suite.js';
export type { Compressor } from './codec/compressor.js';
export { accountSecrets, newMasterKey, wrapMasterKey, unwrapMasterKey, PASSWORD_KDF_ITERATIONS, MASTER_KEY_BYTES, type AccountSecrets } from './crypto/account-keys.js';
export { UserKeys } from './crypto/user-keys.js';
export { newSharingKeys, openSharingKey, sealToRecipient, openFromSender, type SharingKeys } from './crypto/share-keys.js';
export { sealedCodec, SEALED_CODEC_NAME, CHUNK_KEY_BYTES } from './crypto/sealed-codec.js';
export { MAX_SEALED_MANIFEST_CHARS, sealManifest, openManifest, revealManifest, segmentsDigest, fileKeyOf, shareContext, type ManifestBinding, type ManifestSecrets } from './crypto/sealed-manifest.js';
export { webCryptoSuite } from './crypto/crypto-suite.browser.js';
export { streamCompressor } from './codec/compressor.browser.js';
export { roundUpToChunk, revealState, revealSummaries, type Sealing } from './client/sealing.js';
export { signUp, logIn, changePassword, userKeysOf, type KeyedSession, type PostJson } from './client/account-flow.js';

// Wire: data-channel frames and protocol map, socket.io events and their schemas.
export { encodeFrame, decodeFrame, encodeChunkBatch } from './wire/frame.js';
export { FrameType, parseMeta } from './wire/peer-protocol.js';
export { signReadTicket, signWriteTicket, readTicketText, writeTicketText, type ReadTicket, type TicketSigner, type WriteTicket } from './wire/tickets.js';
export { TicketCheck, type AccessCheck } from './peer/ticket-check.js';
export {
  FOLDER_SEPARATOR, MAX_LABEL_CHARS, MAX_HELD_FILES, MAX_HELD_SEGMENT_INDICES, MAX_SEGMENT_POSITIONS, MAX_FILE_SEGMENTS, MAX_SIGNAL_DATA_BYTES,
  fileNameSchema, userNameSchema, passwordSchema, credentialsSchema, refreshSchema, accountKeysSchema, signupSchema, passwordChangeSchema, preloginSchema, type AccountKeys, MIN_PASSWORD_LENGTH, joinSchema, sealedSchema, peerStatsSchema,
  pinReportSchema, copyOrderSchema, damagedSchema, MAX_DAMAGE_REPORT, MAX_HOLDING_QUESTION, signalRelaySchema, placeSchema, commitSchema, locateSchema, nameSchema, emptySchema,
  lockSchema, renewSchema, unlockSchema, restoreSchema, MIN_LOCK_TTL_MS, MAX_LOCK_TTL_MS, type LockGrant, type LockView, type VersionSummary, type LockRequest, type RestoreRequest,
  fileSchema, shareSchema, unshareSchema, userKeySchema, sharingKeysSchema, setMyKeysSchema, type ShareRequest, type ShareView, type RenewRequest, type UnlockRequest,
  type Ack, type Reply, type PeerKind, type PeerStatus, type JoinRequest, type PeerStats, type PinReport, type PlaceRequest, type PlaceResult,
  type CommitRequest, type CopyOrder, type RepairProgress, type LocateResult, type PeerView, type PeerHoldings, type MeshState, type AuthSession, type ServerToClientEvents, type ClientToServerEvents,
} from './wire/signal-protocol.js';

// Stores: the interface every chunk store implements, and the in-memory one.
export type { ChunkStore, MetaStore, PeerStore, PutOptions, StoredChunk, StoreStats } from './stores/chunk-store.js';
export { MemoryStore } from './stores/memory-store.js';

// Transport: request/reply over a data channel, the connection pool, the master connection.
export { RpcConnection, type IncomingRequest, type RequestHandler } from './transport/rpc.js';
export { ConnectionPool, type Signaling, type RtcEndpoint, type RtcEndpointFactory } from './transport/pool.js';
export { fetchFromMasters, MasterConnection, masterUrls, type TokenSource } from './transport/master-connection.js';

// Peer: a storage peer and its life on the mesh.
export { StoragePeer } from './peer/storage-peer.js';
export { GET_SLICE_CHUNKS } from './peer/reads.js';
export { ephemeralIdentity, joinProofMessage, loadPeerIdentity, provenJoin, proveJoin, verifySignedBy, PEER_ID_CHARS, type PeerIdentity } from './peer/identity.js';
export { startMeshPeer, followPeerHealth, type MeshPeer, type MeshPeerOptions } from './peer/mesh-peer.js';

// Client: the one client API.
export { createClient, type ClientOptions } from './client/create-client.js';
export { openClientLink, type ClientLink, type ClientLinkOptions } from './client/client-link.js';
export type { MeshClient, StoreResult, StoreOptions, ReadOptions } from './client/mesh-client.js';
export { isRetryable } from './client/retryable.js';
export { searchFiles, nameMatcher, SORT_KEYS, type SearchOptions, type SortKey } from './client/file-search.js';
export type { MasterPort } from './client/master-port.js';
export type { ConnectPeer, PeerConnection } from './client/peer-connection.js';
export { bytesSource, memorySink, type ByteSource, type ByteSink, type TransferProgress } from './client/byte-io.js';
