// The TPM-assisted member: joins and signatures made through EcdaaTpmSigner verify like a
// software member's. swtpm runs the real thing; a software model of the TPM's ECDAA
// arithmetic covers the retry on a short nonce, which a real TPM does only by chance.
import { describe, expect, it } from 'vitest';
import {
  generateIssuerKeyPair,
  issueCredentialBytes,
  verifyCredentialBytes,
  verifyMemberPublicKeyBytes,
  verifySignatureBytes,
} from '../../src/crypto/ecdaa.ts';
import { TPM_ATTEMPTS, TpmMemberError, tpmJoin, tpmSign } from '../../src/crypto/tpm-member.ts';
import { softwareEcdaaTpm } from './tpm-model.ts';

const enc = (s: string) => new TextEncoder().encode(s);

describe('tpm-member over the TPM arithmetic model', () => {
  const { ipk, isk } = generateIssuerKeyPair();
  const gpk = ipk.slice(0, 258);

  it('joins and signs; retries from a fresh commit when n comes back short', async () => {
    const tpm = softwareEcdaaTpm(0x1234567890abcdefn, { shortNonces: 3 });
    const nonce = enc('model nonce');
    const pk = await tpmJoin(tpm, nonce);
    expect(tpm.signs).toBe(4);
    expect(verifyMemberPublicKeyBytes(pk, nonce)).toBe(true);
    const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
    expect(verifyCredentialBytes(credential, credentialSignature, pk, gpk)).toBe(true);
    const msg = enc('model message');
    const sig = await tpmSign(tpm, credential, msg);
    expect(sig.length).toBe(356);
    expect(verifySignatureBytes(sig, msg, gpk)).toBe(true);
    const bsn = enc('model basename');
    const sigBsn = await tpmSign(tpm, credential, msg, bsn);
    expect(sigBsn.length).toBe(421);
    expect(verifySignatureBytes(sigBsn, msg, gpk, bsn)).toBe(true);
    expect(verifySignatureBytes(sigBsn, enc('other'), gpk, bsn)).toBe(false);
  });

  it(`gives up after ${TPM_ATTEMPTS} short nonces with a clear error`, async () => {
    const tpm = softwareEcdaaTpm(42n, { shortNonces: TPM_ATTEMPTS });
    await expect(tpmJoin(tpm, enc('n'))).rejects.toThrow(/short nonce n 10 times in a row/);
  });

  it('refuses to sign under a credential issued to another key', async () => {
    const tpm = softwareEcdaaTpm(7n);
    const other = softwareEcdaaTpm(8n);
    const { credential } = issueCredentialBytes(await tpmJoin(other, enc('x')), isk);
    await expect(tpmSign(tpm, credential, enc('m'))).rejects.toThrow(TpmMemberError);
    await expect(tpmSign(tpm, credential, enc('m'), enc('b'))).rejects.toThrow(
      /not issued to this TPM key/,
    );
  });
});
