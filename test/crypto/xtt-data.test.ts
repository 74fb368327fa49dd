// The group and member files Xaptum's xtt repository publishes (shared/vectors/xtt-data),
// plus signatures made with that member's secret key over msg.bin.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkSignatureBytes,
  decodeCredential,
  decodeGroupPublicKey,
  groupId,
  signBytes,
  verifySignatureBytes,
} from '../../src/crypto/ecdaa.ts';
import { P1, decodeScalar } from '../../src/crypto/fp256bn.ts';
import { VECTORS_DIR } from '../helpers/paths.ts';

const file = (f: string) => new Uint8Array(readFileSync(path.join(VECTORS_DIR, 'xtt-data', f)));
const gpk = file('daa_gpk.bin');
const cred = file('daa_cred.bin');
const sk = file('daa_secretkey.bin');
const basename = file('basename.bin');
const msg = file('msg.bin');
const msg2 = file('msg2.bin');

describe('xtt-data', () => {
  it('the published files decode strictly', () => {
    decodeGroupPublicKey(gpk);
    const c = decodeCredential(cred);
    // The credential's D is sk·B: the secret key belongs to this credential.
    expect(c.B.multiply(decodeScalar(sk)).equals(c.D)).toBe(true);
    expect(P1.multiply(decodeScalar(sk)).is0()).toBe(false);
  });

  it('gid = SHA-256(GPK ‖ basename)', () => {
    expect(Buffer.from(groupId(gpk, basename)).toString('hex')).toBe(
      Buffer.from(file('gid.bin')).toString('hex'),
    );
  });

  it('the published signatures verify over msg.bin, not over msg2.bin', () => {
    expect(checkSignatureBytes(file('sig_nobsn.bin'), msg, gpk)).toBeNull();
    expect(checkSignatureBytes(file('sig_bsn.bin'), msg, gpk, basename)).toBeNull();
    expect(verifySignatureBytes(file('sig_nobsn.bin'), msg2, gpk)).toBe(false);
    expect(verifySignatureBytes(file('sig_bsn.bin'), msg2, gpk, basename)).toBe(false);
  });

  it('our signatures with the xtt member key verify, and share the pseudonym K', () => {
    const a = signBytes(sk, cred, msg, basename);
    const b = signBytes(sk, cred, msg2, basename);
    expect(verifySignatureBytes(a, msg, gpk, basename)).toBe(true);
    expect(verifySignatureBytes(b, msg2, gpk, basename)).toBe(true);
    expect(a.subarray(356)).toEqual(file('sig_bsn.bin').subarray(356));
    expect(b.subarray(356)).toEqual(a.subarray(356));
    // Unlinkable otherwise: the randomised credential differs.
    expect(a.subarray(64, 129)).not.toEqual(b.subarray(64, 129));
  });
});
