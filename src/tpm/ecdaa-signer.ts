/**
 * The TPM side of ECDAA for the crypto layer (src/crypto/tpm-signer.ts): TPM2_Commit and
 * TPM2_Sign with the ECDAA scheme on a loaded or persistent BN_P256 key (domain.md §4).
 * Points cross the interface as 65-byte `04 ‖ x ‖ y` with x and y left-padded to 32 bytes;
 * n and s are exactly what the TPM returned.
 */
import type { EcdaaTpmSigner } from '../crypto/tpm-signer.ts';
import { TPM_ALG, TPM_ECC, hexHandle } from './constants.ts';
import { leftPad } from './crypto.ts';
import { TpmFormatError } from './errors.ts';
import { concatBytes } from './marshal.ts';
import type { Authorization } from './session.ts';
import type { Tpm } from './tpm.ts';
import type { TPMSECCPoint } from './types/public.ts';

const COORD = 32;

function toG1Bytes(p: TPMSECCPoint, command: string, what: string): Uint8Array {
  if (p.x.length > COORD || p.y.length > COORD) {
    throw new TpmFormatError(command, `${what} has a coordinate longer than ${COORD} bytes`);
  }
  return concatBytes(Uint8Array.of(4), leftPad(p.x, COORD), leftPad(p.y, COORD));
}

function fromG1Bytes(b: Uint8Array, what: string): TPMSECCPoint {
  if (b.length !== 65 || b[0] !== 4)
    throw new Error(`${what} must be a 65-byte uncompressed point 04 ‖ x ‖ y`);
  return { x: b.slice(1, 33), y: b.slice(33, 65) };
}

/**
 * An EcdaaTpmSigner for the ECDAA key at `keyHandle` (checked to be an ECDAA-capable
 * BN_P256 signing key). `auth` authorizes the key (default: empty password).
 */
export async function createEcdaaTpmSigner(
  tpm: Tpm,
  keyHandle: number,
  options: { auth?: Authorization } = {},
): Promise<EcdaaTpmSigner> {
  const { outPublic } = await tpm.ReadPublic(keyHandle);
  if (outPublic.type !== TPM_ALG.ECC || outPublic.parameters.curveID !== TPM_ECC.BN_P256) {
    throw new Error(`the key at ${hexHandle(keyHandle)} is not a BN_P256 ECC key`);
  }
  const scheme = outPublic.parameters.scheme.scheme;
  if (scheme !== TPM_ALG.ECDAA && scheme !== TPM_ALG.NULL) {
    throw new Error(
      `the key at ${hexHandle(keyHandle)} has signing scheme 0x${scheme.toString(16)}, not ECDAA`,
    );
  }
  const publicPoint = toG1Bytes(outPublic.unique, 'ReadPublic', 'the key');
  const auth = options.auth;
  return {
    publicPoint,
    async commit(p1, basename) {
      const r = await tpm.Commit(
        keyHandle,
        { P1: fromG1Bytes(p1, 'P1'), s2: basename?.s2, y2: basename?.y2 },
        { auth },
      );
      if (!r.E) throw new TpmFormatError('Commit', 'the TPM returned no E');
      const out: { counter: number; E: Uint8Array; K?: Uint8Array; L?: Uint8Array } = {
        counter: r.counter,
        E: toG1Bytes(r.E, 'Commit', 'E'),
      };
      if (basename) {
        if (!r.K || !r.L)
          throw new TpmFormatError('Commit', 'the TPM returned no K or L for a basename');
        out.K = toG1Bytes(r.K, 'Commit', 'K');
        out.L = toG1Bytes(r.L, 'Commit', 'L');
      }
      return out;
    },
    async sign(digest, counter) {
      const sig = await tpm.Sign(
        keyHandle,
        digest,
        { scheme: TPM_ALG.ECDAA, hashAlg: TPM_ALG.SHA256, count: counter },
        { auth },
      );
      if (!('kind' in sig) || sig.kind !== 'ecc' || sig.sigAlg !== TPM_ALG.ECDAA) {
        throw new TpmFormatError(
          'Sign',
          `expected an ECDAA signature, got algorithm 0x${sig.sigAlg.toString(16)}`,
        );
      }
      return { n: sig.signatureR, s: sig.signatureS };
    },
  };
}
