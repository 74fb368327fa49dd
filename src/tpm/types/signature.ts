/** TPMT_SIGNATURE, Part 2 §11.3.4 (with TPMS_SIGNATURE_RSA §11.3.1 and _ECC §11.3.2). */
import { TPM_ALG } from '../constants.ts';
import { MarshalError } from '../errors.ts';
import { codec, type Codec } from '../marshal.ts';
import { TPM2BECCParameter, TPM2BPublicKeyRSA } from './buffers.ts';

export type TPMTSignature =
  | { sigAlg: typeof TPM_ALG.NULL }
  | { sigAlg: number; kind: 'rsa'; hash: number; sig: Uint8Array }
  | { sigAlg: number; kind: 'ecc'; hash: number; signatureR: Uint8Array; signatureS: Uint8Array }
  | { sigAlg: typeof TPM_ALG.HMAC; kind: 'hmac'; hash: number; digest: Uint8Array };

const RSA_SIGS = new Set<number>([TPM_ALG.RSASSA, TPM_ALG.RSAPSS]);
const ECC_SIGS = new Set<number>([TPM_ALG.ECDSA, TPM_ALG.ECDAA, TPM_ALG.SM2, TPM_ALG.ECSCHNORR]);

export const TPMTSignature: Codec<TPMTSignature> = codec<TPMTSignature>(
  'TPMT_SIGNATURE',
  (w, v) => {
    w.u16(v.sigAlg);
    if (!('kind' in v)) return;
    w.u16(v.hash);
    if (v.kind === 'rsa') TPM2BPublicKeyRSA.write(w, v.sig);
    else if (v.kind === 'ecc') {
      TPM2BECCParameter.write(w, v.signatureR);
      TPM2BECCParameter.write(w, v.signatureS);
    } else w.bytes(v.digest);
  },
  (r) => {
    const sigAlg = r.u16('TPMT_SIGNATURE.sigAlg');
    if (sigAlg === TPM_ALG.NULL) return { sigAlg };
    const hash = r.u16('TPMT_SIGNATURE.hash');
    if (RSA_SIGS.has(sigAlg)) return { sigAlg, kind: 'rsa', hash, sig: TPM2BPublicKeyRSA.read(r) };
    if (ECC_SIGS.has(sigAlg)) {
      const signatureR = TPM2BECCParameter.read(r);
      const signatureS = TPM2BECCParameter.read(r);
      return { sigAlg, kind: 'ecc', hash, signatureR, signatureS };
    }
    if (sigAlg === TPM_ALG.HMAC) {
      const size = {
        [TPM_ALG.SHA1]: 20,
        [TPM_ALG.SHA256]: 32,
        [TPM_ALG.SHA384]: 48,
        [TPM_ALG.SHA512]: 64,
      }[hash];
      if (size === undefined)
        throw new MarshalError(`TPMT_HA.hashAlg 0x${hash.toString(16)} unknown`);
      return { sigAlg, kind: 'hmac', hash, digest: r.bytes(size, 'TPMT_HA.digest') };
    }
    throw new MarshalError(`TPMT_SIGNATURE.sigAlg has unknown selector 0x${sigAlg.toString(16)}`);
  },
);
