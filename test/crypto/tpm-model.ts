// The arithmetic a TPM performs for TPM2_Commit and TPM2_Sign with the ECDAA scheme (TPM 2.0
// Part 1 §C.4 / Part 3 §19.2, §20.2), in software. Only for paths a real TPM cannot be made to
// take on demand (a short nonce n, a foreign key); everything else runs on swtpm.
import { sha256 } from '@noble/hashes/sha2.js';
import {
  FIELD_P,
  Fn,
  G1Point,
  GROUP_ORDER,
  decodeG1,
  encodeG1,
  hashToScalar,
} from '../../src/crypto/fp256bn.ts';
import type { EcdaaTpmSigner } from '../../src/crypto/tpm-signer.ts';

const be = (b: Uint8Array) => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
const random = () => be(globalThis.crypto.getRandomValues(new Uint8Array(64))) % GROUP_ORDER;

export function softwareEcdaaTpm(
  sk: bigint,
  options: { shortNonces?: number } = {},
): EcdaaTpmSigner & { signs: number } {
  const commits = new Map<number, bigint>();
  let counter = 0;
  let shortLeft = options.shortNonces ?? 0;
  const model = {
    signs: 0,
    publicPoint: encodeG1(G1Point.BASE.multiply(sk)),
    async commit(p1: Uint8Array, basename?: { s2: Uint8Array; y2: Uint8Array }) {
      const r = random();
      counter++;
      commits.set(counter, r);
      const out: { counter: number; E: Uint8Array; K?: Uint8Array; L?: Uint8Array } = {
        counter,
        E: encodeG1(decodeG1(p1).multiply(r)),
      };
      if (basename) {
        // The TPM reduces H(s2) mod p (ecdaa mod n); equal unless the hash lands in [n, p).
        const x = be(sha256(basename.s2)) % FIELD_P;
        const B = G1Point.fromAffine({ x, y: be(basename.y2) });
        B.assertValidity();
        out.K = encodeG1(B.multiply(sk));
        out.L = encodeG1(B.multiply(r));
      }
      return out;
    },
    async sign(digest: Uint8Array, count: number) {
      const r = commits.get(count);
      if (r === undefined) throw new Error('TPM_RC_VALUE: commit counter unknown or used');
      commits.delete(count);
      model.signs++;
      const n = globalThis.crypto.getRandomValues(new Uint8Array(32));
      // A TPM2B drops nothing, but some TPMs return a short signatureR: model that.
      const nOut = shortLeft-- > 0 ? n.subarray(1) : n;
      const c = hashToScalar(nOut, digest);
      const s = Fn.add(r, Fn.mul(c, sk));
      return { n: nOut, s: Uint8Array.from(Buffer.from(s.toString(16).padStart(64, '0'), 'hex')) };
    },
  };
  return model;
}
