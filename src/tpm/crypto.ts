/**
 * Host-side cryptography the TPM protocol needs: hashes and HMACs by TPM_ALG_ID, KDFa and
 * KDFe (Part 1 §11.4.10), object and NV names (Part 1 §16), and TPM public keys as SPKI.
 */
import crypto from 'node:crypto';
import { DIGEST_SIZE, NODE_HASH, TPM_ALG, TPM_ECC, algName } from './constants.ts';
import { concatBytes, marshal } from './marshal.ts';
import { TPMSNVPublic, type TPMSNVPublic as NVPublic } from './types/nv.ts';
import { TPMTPublic } from './types/public.ts';

export function nodeHash(alg: number): string {
  const h = NODE_HASH[alg];
  if (!h) throw new Error(`hash algorithm ${algName(alg)} is not supported on the host`);
  return h;
}

export function digestSize(alg: number): number {
  const n = DIGEST_SIZE[alg];
  if (n === undefined)
    throw new Error(`hash algorithm ${algName(alg)} is not supported on the host`);
  return n;
}

export function hash(alg: number, ...parts: Uint8Array[]): Uint8Array {
  const h = crypto.createHash(nodeHash(alg));
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hmac(alg: number, key: Uint8Array, ...parts: Uint8Array[]): Uint8Array {
  const h = crypto.createHmac(nodeHash(alg), key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const u32 = (n: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
};
const u16 = (n: number): Uint8Array => Uint8Array.of((n >>> 8) & 0xff, n & 0xff);

/** A label as KDFa/KDFe use it: the ASCII bytes with one terminating zero. */
export function label(s: string): Uint8Array {
  return concatBytes(new TextEncoder().encode(s), Uint8Array.of(0));
}

/** Counter-mode key derivation: blocks 1, 2, … concatenated, cut to `bits` (Part 1 §11.4.10). */
function counterKdf(bits: number, block: (counter: Uint8Array) => Uint8Array): Uint8Array {
  const bytes = Math.ceil(bits / 8);
  const out = new Uint8Array(bytes);
  for (let i = 1, at = 0; at < bytes; i++) {
    const b = block(u32(i));
    out.set(b.subarray(0, Math.min(b.length, bytes - at)), at);
    at += b.length;
  }
  if (bits % 8) out[0]! &= (1 << (bits % 8)) - 1;
  return out;
}

/**
 * KDFa (Part 1 §11.4.10.2, SP800-108 counter mode with HMAC): `bits` bits of key from
 * `key`, `labelText`, contextU and contextV.
 */
export function kdfa(
  alg: number,
  key: Uint8Array,
  labelText: string,
  contextU: Uint8Array,
  contextV: Uint8Array,
  bits: number,
): Uint8Array {
  const l = label(labelText);
  return counterKdf(bits, (i) => hmac(alg, key, i, l, contextU, contextV, u32(bits)));
}

/** KDFe (Part 1 §11.4.10.3, SP800-56A concatenation KDF) for ECDH-protected secrets. */
export function kdfe(
  alg: number,
  z: Uint8Array,
  labelText: string,
  partyU: Uint8Array,
  partyV: Uint8Array,
  bits: number,
): Uint8Array {
  const l = label(labelText);
  return counterKdf(bits, (i) => hash(alg, i, z, l, partyU, partyV));
}

/** An object's Name: nameAlg ‖ H_nameAlg(TPMT_PUBLIC) (Part 1 §16). */
export function objectName(pub: TPMTPublic): Uint8Array {
  return concatBytes(u16(pub.nameAlg), hash(pub.nameAlg, marshal(TPMTPublic, pub)));
}

/** An NV index's Name: nameAlg ‖ H_nameAlg(TPMS_NV_PUBLIC). */
export function nvName(pub: NVPublic): Uint8Array {
  return concatBytes(u16(pub.nameAlg), hash(pub.nameAlg, marshal(TPMSNVPublic, pub)));
}

/** The JOSE/Node names of the NIST curves a TPM key can be converted from. */
const JWK_CURVES: Record<number, { crv: string; bytes: number; nodeName: string }> = {
  [TPM_ECC.NIST_P256]: { crv: 'P-256', bytes: 32, nodeName: 'prime256v1' },
  [TPM_ECC.NIST_P384]: { crv: 'P-384', bytes: 48, nodeName: 'secp384r1' },
  [TPM_ECC.NIST_P521]: { crv: 'P-521', bytes: 66, nodeName: 'secp521r1' },
};

export function curveInfo(curve: number): { crv: string; bytes: number; nodeName: string } {
  const c = JWK_CURVES[curve];
  if (!c) throw new Error(`ECC curve 0x${curve.toString(16)} has no X.509 form on the host`);
  return c;
}

/** Left-pads a big-endian integer to `n` bytes (TPMs may drop leading zeros). */
export function leftPad(b: Uint8Array, n: number): Uint8Array {
  if (b.length > n) throw new Error(`value of ${b.length} bytes does not fit ${n}`);
  if (b.length === n) return b;
  const out = new Uint8Array(n);
  out.set(b, n - b.length);
  return out;
}

const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

/**
 * An RSA or NIST-curve ECC public area as a Node KeyObject (for SPKI/PEM export and for
 * encrypting to it). BN curves have no X.509 form and are refused.
 */
export function publicKeyObject(pub: TPMTPublic): crypto.KeyObject {
  if (pub.type === TPM_ALG.RSA) {
    const e = pub.parameters.exponent || 65537;
    const eBytes = Buffer.alloc(4);
    eBytes.writeUInt32BE(e);
    let i = 0;
    while (i < 3 && eBytes[i] === 0) i++;
    return crypto.createPublicKey({
      key: { kty: 'RSA', n: b64url(pub.unique), e: b64url(eBytes.subarray(i)) },
      format: 'jwk',
    });
  }
  if (pub.type === TPM_ALG.ECC) {
    const c = curveInfo(pub.parameters.curveID);
    return crypto.createPublicKey({
      key: {
        kty: 'EC',
        crv: c.crv,
        x: b64url(leftPad(pub.unique.x, c.bytes)),
        y: b64url(leftPad(pub.unique.y, c.bytes)),
      },
      format: 'jwk',
    });
  }
  throw new Error(`a ${algName(pub.type)} object has no public key`);
}

export function publicKeySpki(pub: TPMTPublic): Uint8Array {
  return new Uint8Array(publicKeyObject(pub).export({ type: 'spki', format: 'der' }));
}

export function publicKeyPem(pub: TPMTPublic): string {
  return publicKeyObject(pub).export({ type: 'spki', format: 'pem' }).toString();
}
