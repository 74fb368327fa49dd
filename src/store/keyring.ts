import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: Uint8Array,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/**
 * Secrets at rest (issuer secret keys, the facility key): AES-256-GCM under a random 256-bit
 * data key, which is itself sealed under a key derived with scrypt from the workstation
 * passphrase. Changing the passphrase re-wraps the data key only.
 */

/** scrypt cost: N = 2^17, r = 8 (≈ 128 MiB, ≈ 0.3 s here), as OWASP suggests for scrypt. */
export const DEFAULT_KDF = { N: 2 ** 17, r: 8, p: 1 } as const;

const HEADER_AAD = Buffer.from('ztp-workstation keyring v1');
const SEALED_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface KeyringHeader {
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  /** base64 */
  salt: string;
  /** base64 of iv ‖ ciphertext ‖ tag of the data key */
  wrappedKey: string;
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('The workstation passphrase is wrong. Type it again (it is case-sensitive).');
    this.name = 'WrongPassphraseError';
  }
}

export class SealedSecretError extends Error {
  constructor(context: string, why: string) {
    super(
      `Cannot open the sealed secret '${context}': ${why}. The database may be damaged or ` +
        'was copied from another workstation; restore it from a backup.',
    );
    this.name = 'SealedSecretError';
  }
}

function gcmEncrypt(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

/** Returns undefined when authentication fails (wrong key, context or tampered bytes). */
function gcmDecrypt(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

async function deriveKek(passphrase: string, header: Omit<KeyringHeader, 'wrappedKey'>) {
  if (!Number.isInteger(Math.log2(header.N)) || header.N < 2 ** 10 || header.N > 2 ** 22) {
    throw new Error(`keyring header has an unusable scrypt N (${header.N})`);
  }
  if (header.r < 1 || header.r > 32 || header.p < 1 || header.p > 16) {
    throw new Error('keyring header has unusable scrypt parameters');
  }
  return scrypt(passphrase.normalize('NFC'), Buffer.from(header.salt, 'base64'), 32, {
    N: header.N,
    r: header.r,
    p: header.p,
    maxmem: 256 * header.N * header.r + 1024 * 1024,
  });
}

export class Keyring {
  #dataKey: Buffer | undefined;

  private constructor(dataKey: Buffer) {
    this.#dataKey = dataKey;
  }

  /** Makes a new keyring for a passphrase; store the header, keep the keyring. */
  static async create(
    passphrase: string,
    kdf: { N: number; r: number; p: number } = DEFAULT_KDF,
  ): Promise<{ keyring: Keyring; header: KeyringHeader }> {
    checkPassphrase(passphrase);
    const dataKey = randomBytes(32);
    const header = await Keyring.wrap(dataKey, passphrase, kdf);
    return { keyring: new Keyring(dataKey), header };
  }

  /** Opens the keyring with the passphrase; throws WrongPassphraseError. */
  static async unlock(header: KeyringHeader, passphrase: string): Promise<Keyring> {
    if (header?.version !== 1 || header.kdf !== 'scrypt') {
      throw new Error(`unsupported keyring header (version ${String(header?.version)})`);
    }
    const kek = await deriveKek(passphrase, header);
    const dataKey = gcmDecrypt(kek, Buffer.from(header.wrappedKey, 'base64'), HEADER_AAD);
    kek.fill(0);
    if (!dataKey || dataKey.length !== 32) throw new WrongPassphraseError();
    return new Keyring(dataKey);
  }

  private static async wrap(
    dataKey: Buffer,
    passphrase: string,
    kdf: { N: number; r: number; p: number },
  ): Promise<KeyringHeader> {
    const base = {
      version: 1 as const,
      kdf: 'scrypt' as const,
      ...kdf,
      salt: randomBytes(16).toString('base64'),
    };
    const kek = await deriveKek(passphrase, base);
    const wrappedKey = gcmEncrypt(kek, dataKey, HEADER_AAD).toString('base64');
    kek.fill(0);
    return { ...base, wrappedKey };
  }

  /** A new header for a new passphrase; the sealed secrets stay valid. */
  async rewrap(
    newPassphrase: string,
    kdf: { N: number; r: number; p: number } = DEFAULT_KDF,
  ): Promise<KeyringHeader> {
    checkPassphrase(newPassphrase);
    return Keyring.wrap(this.key(), newPassphrase, kdf);
  }

  /** Seals a secret; `context` (e.g. `issuer-key:<batch id>`) must be given again to open it. */
  seal(plaintext: Uint8Array, context: string): Uint8Array {
    const body = gcmEncrypt(this.key(), plaintext, Buffer.from(context, 'utf8'));
    return Buffer.concat([Buffer.of(SEALED_VERSION), body]);
  }

  open(sealed: Uint8Array, context: string): Uint8Array {
    if (sealed[0] !== SEALED_VERSION) {
      throw new SealedSecretError(context, `unknown format ${String(sealed[0])}`);
    }
    const plain = gcmDecrypt(this.key(), sealed.subarray(1), Buffer.from(context, 'utf8'));
    if (!plain) throw new SealedSecretError(context, 'it fails authentication');
    return plain;
  }

  /** Wipes the data key; the keyring cannot be used afterwards. */
  lock(): void {
    this.#dataKey?.fill(0);
    this.#dataKey = undefined;
  }

  get locked(): boolean {
    return this.#dataKey === undefined;
  }

  private key(): Buffer {
    if (!this.#dataKey)
      throw new Error('The workstation is locked: unlock it with the passphrase.');
    return this.#dataKey;
  }
}

/** Minimum rules for a workstation passphrase, checked when one is set. */
export function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== 'string' || [...passphrase].length < 8) {
    throw new Error('The workstation passphrase must have at least 8 characters.');
  }
}
