/**
 * This user's sharing keys in this client: their private key, opened once (made here and given
 * to the master the first time, for an account that has none yet); file keys opened from what
 * another user sealed to them; and a version's file key sealed to each user who reads it.
 */
import type { ManifestBinding } from '../crypto/sealed-manifest.js';
import { shareContext } from '../crypto/sealed-manifest.js';
import { newSharingKeys, openFromSender, openSharingKey, sealToRecipient } from '../crypto/share-keys.js';
import type { MasterPort } from './master-port.js';
import type { Sealing } from './sealing.js';

export class Keyring {
  private privateKey: Promise<CryptoKey> | undefined;

  constructor(
    private readonly sealing: Sealing,
    private readonly master: Pick<MasterPort, 'myKeys' | 'setMyKeys'>,
  ) {}

  get user(): string {
    return this.sealing.keys.user;
  }

  /** Makes sure the account has sharing keys, so others can share with it. */
  async ensure(): Promise<void> {
    await this.own();
  }

  /** The file key `sharedKey` carries for the version `binding` names, sealed to this user. */
  async open(binding: ManifestBinding, sharedKey: string): Promise<Uint8Array> {
    return openFromSender(this.sealing.keys.crypto, await this.own(), sharedKey, shareContext(binding, this.user));
  }

  /** `fileKey` of the version `binding` names, sealed to each of `recipients`. */
  sealTo(recipients: readonly { user: string; publicKey: string }[], binding: ManifestBinding, fileKey: Uint8Array): Promise<{ user: string; key: string }[]> {
    return Promise.all(recipients.map(async ({ user, publicKey }) => ({ user, key: await sealToRecipient(this.sealing.keys.crypto, publicKey, fileKey, shareContext(binding, user)) })));
  }

  private own(): Promise<CryptoKey> {
    this.privateKey ??= (async () => {
      const { keys } = this.sealing;
      const mine = (await this.master.myKeys()).sharing ?? (await this.master.setMyKeys({ sharing: await newSharingKeys(keys) })).sharing;
      return openSharingKey(keys, mine);
    })();
    // A failure (the master away) is not kept: the next use asks again.
    this.privateKey.catch(() => (this.privateKey = undefined));
    return this.privateKey;
  }
}
