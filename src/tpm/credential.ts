/**
 * Host-side TPM2_MakeCredential (Part 1 §24, Part 3 §12.6): protects a credential (a short
 * secret) to an EK and an object Name, so that only that TPM, holding that object, recovers
 * it with TPM2_ActivateCredential. Works for RSA EKs (OAEP, label "IDENTITY") and ECC EKs
 * (one-pass ECDH with KDFe), with the EK's own name algorithm and symmetric cipher.
 */
import crypto from 'node:crypto';
import { TPM_ALG, TPM_RH, TPM_SE, TPMA_OBJECT, algName } from './constants.ts';
import {
  curveInfo,
  digestSize,
  hmac,
  kdfa,
  kdfe,
  label,
  leftPad,
  nodeHash,
  publicKeyObject,
} from './crypto.ts';
import { concatBytes, marshal } from './marshal.ts';
import { TPM2BDigest } from './types/buffers.ts';
import { EMPTY_AUTH, type Authorization } from './session.ts';
import type { Tpm } from './tpm.ts';
import { TPMSECCPoint, type TPMTPublic } from './types/public.ts';

export interface MadeCredential {
  /** The contents of TPM2B_ID_OBJECT: integrityHMAC (TPM2B) ‖ encIdentity. */
  credentialBlob: Uint8Array;
  /** The contents of TPM2B_ENCRYPTED_SECRET: the seed, protected to the EK. */
  secret: Uint8Array;
}

export interface MakeCredentialOptions {
  /** Randomness source (for exact tests); defaults to crypto.randomBytes. */
  random?: (n: number) => Uint8Array;
}

function symmetricOf(ek: TPMTPublic): { bits: number; cipher: string } {
  if (ek.type !== TPM_ALG.RSA && ek.type !== TPM_ALG.ECC) {
    throw new Error(`MakeCredential needs an RSA or ECC key, not ${algName(ek.type)}`);
  }
  const sym = ek.parameters.symmetric;
  if (sym.algorithm !== TPM_ALG.AES || sym.mode !== TPM_ALG.CFB || !sym.keyBits) {
    throw new Error('MakeCredential needs a storage key with AES-CFB (as every EK template has)');
  }
  return { bits: sym.keyBits, cipher: `aes-${sym.keyBits}-cfb` };
}

/** The seed and its protection: RSA-OAEP or ECDH per the EK's type (Part 1 Annex B.10 / C.6). */
function protectSeed(
  ek: TPMTPublic,
  random: (n: number) => Uint8Array,
): { seed: Uint8Array; secret: Uint8Array } {
  const alg = ek.nameAlg;
  const bits = digestSize(alg) * 8;
  if (ek.type === TPM_ALG.RSA) {
    const seed = random(bits / 8);
    const secret = crypto.publicEncrypt(
      {
        key: publicKeyObject(ek),
        padding: crypto.constants.RSA_PKCS1_OAEP_PADDING,
        oaepHash: nodeHash(alg),
        oaepLabel: Buffer.from(label('IDENTITY')),
      },
      seed,
    );
    return { seed, secret: new Uint8Array(secret) };
  }
  if (ek.type !== TPM_ALG.ECC) throw new Error('unreachable');
  const c = curveInfo(ek.parameters.curveID);
  const ecdh = crypto.createECDH(c.nodeName);
  const d = random(c.bytes);
  if (c.bytes === 66) d[0]! &= 0x01; // P-521: a 521-bit scalar
  ecdh.setPrivateKey(Buffer.from(d));
  const ekPoint = concatBytes(
    Uint8Array.of(4),
    leftPad(ek.unique.x, c.bytes),
    leftPad(ek.unique.y, c.bytes),
  );
  const z = new Uint8Array(ecdh.computeSecret(ekPoint));
  const eph = new Uint8Array(ecdh.getPublicKey());
  const ephX = eph.subarray(1, 1 + c.bytes);
  const ephY = eph.subarray(1 + c.bytes);
  const seed = kdfe(alg, z, 'IDENTITY', ephX, leftPad(ek.unique.x, c.bytes), bits);
  return { seed, secret: marshal(TPMSECCPoint, { x: ephX, y: ephY }) };
}

/**
 * Protects `credential` (at most one digest of the EK's name algorithm) for the object whose
 * Name is `objectName`, to the TPM holding `ek`.
 */
export function makeCredential(
  ek: TPMTPublic,
  credential: Uint8Array,
  objectName: Uint8Array,
  options: MakeCredentialOptions = {},
): MadeCredential {
  const random = options.random ?? ((n: number) => new Uint8Array(crypto.randomBytes(n)));
  const alg = ek.nameAlg;
  const size = digestSize(alg);
  if (credential.length === 0 || credential.length > size) {
    throw new Error(`the credential must be 1 to ${size} bytes for a ${algName(alg)} EK`);
  }
  const sym = symmetricOf(ek);
  const { seed, secret } = protectSeed(ek, random);
  const symKey = kdfa(alg, seed, 'STORAGE', objectName, new Uint8Array(), sym.bits);
  const cipher = crypto.createCipheriv(sym.cipher, symKey, Buffer.alloc(16));
  const encIdentity = new Uint8Array(
    Buffer.concat([cipher.update(marshal(TPM2BDigest, credential)), cipher.final()]),
  );
  const hmacKey = kdfa(alg, seed, 'INTEGRITY', new Uint8Array(), new Uint8Array(), size * 8);
  const integrity = hmac(alg, hmacKey, encIdentity, objectName);
  return { credentialBlob: concatBytes(marshal(TPM2BDigest, integrity), encIdentity), secret };
}

/**
 * The authorization an EK needs as the decrypting key of TPM2_ActivateCredential (USER role):
 * high-range EKs (userWithAuth set) take their empty password; low-range EKs only a policy
 * session satisfying PolicySecret(TPM_RH_ENDORSEMENT), which this starts (it is flushed by
 * the TPM after the one command it authorizes).
 */
export async function ekAuthorization(
  tpm: Tpm,
  ekPublic: TPMTPublic,
  options: { endorsementAuth?: Authorization } = {},
): Promise<Authorization> {
  if (ekPublic.objectAttributes & TPMA_OBJECT.userWithAuth) return EMPTY_AUTH;
  const session = await tpm.StartAuthSession(TPM_SE.POLICY, ekPublic.nameAlg);
  try {
    await tpm.PolicySecret(TPM_RH.ENDORSEMENT, session, { auth: options.endorsementAuth });
  } catch (e) {
    await tpm.FlushContext(session.handle).catch(() => undefined);
    throw e;
  }
  session.continueSession = false;
  return session;
}
