/**
 * Algorithm parameters, public areas and creation structures: Part 2 §11 (TPMT_SYM_DEF,
 * schemes), §11.2.5 (ECC points), §12.2 (TPMT_PUBLIC), §12.1 (TPMS_SENSITIVE_CREATE),
 * §15 (TPMS_CREATION_DATA), §10.6 (PCR selection) and §10.7 (tickets).
 */
import { TPM_ALG } from '../constants.ts';
import { MarshalError } from '../errors.ts';
import {
  codec,
  list,
  sized,
  struct,
  UINT16,
  UINT32,
  UINT8,
  type Codec,
  type Reader,
  type Writer,
} from '../marshal.ts';
import {
  TPM2BAuth,
  TPM2BData,
  TPM2BDigest,
  TPM2BECCParameter,
  TPM2BName,
  TPM2BPublicKeyRSA,
  TPM2BSensitiveData,
} from './buffers.ts';

/** TPMT_SYM_DEF and TPMT_SYM_DEF_OBJECT (§11.1.6/§11.1.7): NULL has no keyBits or mode. */
export interface TPMTSymDef {
  algorithm: number;
  keyBits?: number;
  mode?: number;
}

function symDef(name: string): Codec<TPMTSymDef> {
  return codec(
    name,
    (w, v) => {
      w.u16(v.algorithm);
      if (v.algorithm === TPM_ALG.NULL) return;
      w.u16(v.keyBits ?? 0);
      if (v.algorithm !== TPM_ALG.XOR) w.u16(v.mode ?? TPM_ALG.NULL);
    },
    (r) => {
      const algorithm = r.u16(`${name}.algorithm`);
      if (algorithm === TPM_ALG.NULL) return { algorithm };
      const keyBits = r.u16(`${name}.keyBits`);
      if (algorithm === TPM_ALG.XOR) return { algorithm, keyBits };
      return { algorithm, keyBits, mode: r.u16(`${name}.mode`) };
    },
  );
}
export const TPMTSymDef = symDef('TPMT_SYM_DEF');
export const TPMTSymDefObject = symDef('TPMT_SYM_DEF_OBJECT');
export const SYM_NULL: TPMTSymDef = { algorithm: TPM_ALG.NULL };

/**
 * Every TPMT_*_SCHEME (§11.1.11, §11.2.3.5, §11.2.4.2, §11.2.5.6, §11.2.1.3): the selector,
 * then a hash for most schemes, a hash and a count for ECDAA, a hash and a KDF for XOR.
 */
export interface TPMTScheme {
  scheme: number;
  hashAlg?: number;
  count?: number;
  kdf?: number;
}

const HASH_ONLY = new Set<number>([
  TPM_ALG.RSASSA,
  TPM_ALG.RSAPSS,
  TPM_ALG.ECDSA,
  TPM_ALG.ECSCHNORR,
  TPM_ALG.SM2,
  TPM_ALG.OAEP,
  TPM_ALG.ECDH,
  TPM_ALG.ECMQV,
  TPM_ALG.HMAC,
  TPM_ALG.MGF1,
  TPM_ALG.KDF1_SP800_56A,
  TPM_ALG.KDF2,
  TPM_ALG.KDF1_SP800_108,
]);

function scheme(name: string): Codec<TPMTScheme> {
  return codec(
    name,
    (w, v) => {
      w.u16(v.scheme);
      if (v.scheme === TPM_ALG.NULL || v.scheme === TPM_ALG.RSAES) return;
      w.u16(v.hashAlg ?? TPM_ALG.NULL);
      if (v.scheme === TPM_ALG.ECDAA) w.u16(v.count ?? 0);
      else if (v.scheme === TPM_ALG.XOR) w.u16(v.kdf ?? TPM_ALG.NULL);
    },
    (r) => {
      const s = r.u16(`${name}.scheme`);
      if (s === TPM_ALG.NULL || s === TPM_ALG.RSAES) return { scheme: s };
      if (HASH_ONLY.has(s)) return { scheme: s, hashAlg: r.u16(`${name}.hashAlg`) };
      if (s === TPM_ALG.ECDAA) {
        return { scheme: s, hashAlg: r.u16(`${name}.hashAlg`), count: r.u16(`${name}.count`) };
      }
      if (s === TPM_ALG.XOR) {
        return { scheme: s, hashAlg: r.u16(`${name}.hashAlg`), kdf: r.u16(`${name}.kdf`) };
      }
      throw new MarshalError(`${name} has unknown scheme selector 0x${s.toString(16)}`);
    },
  );
}
export const TPMTRSAScheme = scheme('TPMT_RSA_SCHEME');
export const TPMTECCScheme = scheme('TPMT_ECC_SCHEME');
export const TPMTKDFScheme = scheme('TPMT_KDF_SCHEME');
export const TPMTKeyedHashScheme = scheme('TPMT_KEYEDHASH_SCHEME');
export const TPMTSigScheme = scheme('TPMT_SIG_SCHEME');
export const SCHEME_NULL: TPMTScheme = { scheme: TPM_ALG.NULL };

/** TPMS_ECC_POINT (§11.2.5.2): coordinates exactly as the TPM holds them (not padded). */
export const TPMSECCPoint = struct('TPMS_ECC_POINT', {
  x: TPM2BECCParameter,
  y: TPM2BECCParameter,
});
export type TPMSECCPoint = { x: Uint8Array; y: Uint8Array };
/** TPM2B_ECC_POINT (§11.2.5.3): Commit returns size 0 for the K and L it did not compute. */
export const TPM2BECCPoint = sized('TPM2B_ECC_POINT', TPMSECCPoint, 2 + 128 + 2 + 128, true);

export interface TPMSRSAParms {
  symmetric: TPMTSymDef;
  scheme: TPMTScheme;
  keyBits: number;
  exponent: number;
}
export interface TPMSECCParms {
  symmetric: TPMTSymDef;
  scheme: TPMTScheme;
  curveID: number;
  kdf: TPMTScheme;
}

/** TPMT_PUBLIC (§12.2.4), discriminated by its type. */
export type TPMTPublic = {
  nameAlg: number;
  objectAttributes: number;
  authPolicy: Uint8Array;
} & (
  | { type: typeof TPM_ALG.RSA; parameters: TPMSRSAParms; unique: Uint8Array }
  | { type: typeof TPM_ALG.ECC; parameters: TPMSECCParms; unique: TPMSECCPoint }
  | { type: typeof TPM_ALG.KEYEDHASH; parameters: { scheme: TPMTScheme }; unique: Uint8Array }
  | { type: typeof TPM_ALG.SYMCIPHER; parameters: { sym: TPMTSymDef }; unique: Uint8Array }
);

const TPMSRSAParms = struct('TPMS_RSA_PARMS', {
  symmetric: TPMTSymDefObject,
  scheme: TPMTRSAScheme,
  keyBits: UINT16,
  exponent: UINT32,
});
const TPMSECCParms = struct('TPMS_ECC_PARMS', {
  symmetric: TPMTSymDefObject,
  scheme: TPMTECCScheme,
  curveID: UINT16,
  kdf: TPMTKDFScheme,
});

function writePublic(w: Writer, v: TPMTPublic): void {
  w.u16(v.type).u16(v.nameAlg).u32(v.objectAttributes);
  TPM2BDigest.write(w, v.authPolicy);
  switch (v.type) {
    case TPM_ALG.RSA:
      TPMSRSAParms.write(w, v.parameters);
      TPM2BPublicKeyRSA.write(w, v.unique);
      return;
    case TPM_ALG.ECC:
      TPMSECCParms.write(w, v.parameters);
      TPMSECCPoint.write(w, v.unique);
      return;
    case TPM_ALG.KEYEDHASH:
      TPMTKeyedHashScheme.write(w, v.parameters.scheme);
      TPM2BDigest.write(w, v.unique);
      return;
    case TPM_ALG.SYMCIPHER:
      TPMTSymDefObject.write(w, v.parameters.sym);
      TPM2BDigest.write(w, v.unique);
      return;
    default:
      throw new MarshalError(`TPMT_PUBLIC.type 0x${(v as { type: number }).type.toString(16)}`);
  }
}

function readPublic(r: Reader): TPMTPublic {
  const type = r.u16('TPMT_PUBLIC.type');
  const nameAlg = r.u16('TPMT_PUBLIC.nameAlg');
  const objectAttributes = r.u32('TPMT_PUBLIC.objectAttributes');
  const authPolicy = TPM2BDigest.read(r);
  const common = { nameAlg, objectAttributes, authPolicy };
  switch (type) {
    case TPM_ALG.RSA:
      return {
        ...common,
        type,
        parameters: TPMSRSAParms.read(r),
        unique: TPM2BPublicKeyRSA.read(r),
      };
    case TPM_ALG.ECC:
      return { ...common, type, parameters: TPMSECCParms.read(r), unique: TPMSECCPoint.read(r) };
    case TPM_ALG.KEYEDHASH:
      return {
        ...common,
        type,
        parameters: { scheme: TPMTKeyedHashScheme.read(r) },
        unique: TPM2BDigest.read(r),
      };
    case TPM_ALG.SYMCIPHER:
      return {
        ...common,
        type,
        parameters: { sym: TPMTSymDefObject.read(r) },
        unique: TPM2BDigest.read(r),
      };
    default:
      throw new MarshalError(`TPMT_PUBLIC.type has unknown selector 0x${type.toString(16)}`);
  }
}

export const TPMTPublic: Codec<TPMTPublic> = codec('TPMT_PUBLIC', writePublic, readPublic);
export const TPM2BPublic = sized('TPM2B_PUBLIC', TPMTPublic, 1024);

/** TPMS_SENSITIVE_CREATE (§12.1.15) and its TPM2B. */
export const TPMSSensitiveCreate = struct('TPMS_SENSITIVE_CREATE', {
  userAuth: TPM2BAuth,
  data: TPM2BSensitiveData,
});
export const TPM2BSensitiveCreate = sized('TPM2B_SENSITIVE_CREATE', TPMSSensitiveCreate, 2048);

/** TPMS_PCR_SELECTION (§10.6.2) and TPML_PCR_SELECTION (§10.9.7). */
export const TPMSPCRSelection = codec<{ hash: number; pcrSelect: Uint8Array }>(
  'TPMS_PCR_SELECTION',
  (w, v) => {
    w.u16(v.hash).u8(v.pcrSelect.length).bytes(v.pcrSelect);
  },
  (r) => {
    const hash = r.u16('TPMS_PCR_SELECTION.hash');
    const n = r.u8('TPMS_PCR_SELECTION.sizeofSelect');
    if (n > 32) throw new MarshalError(`TPMS_PCR_SELECTION.sizeofSelect ${n} exceeds 32`);
    return { hash, pcrSelect: r.bytes(n, 'TPMS_PCR_SELECTION.pcrSelect') };
  },
);
export const TPMLPCRSelection = list('TPML_PCR_SELECTION', TPMSPCRSelection, 16);

/** TPMS_CREATION_DATA (§15.1) and its TPM2B. */
export const TPMSCreationData = struct('TPMS_CREATION_DATA', {
  pcrSelect: TPMLPCRSelection,
  pcrDigest: TPM2BDigest,
  locality: UINT8,
  parentNameAlg: UINT16,
  parentName: TPM2BName,
  parentQualifiedName: TPM2BName,
  outsideInfo: TPM2BData,
});
export const TPM2BCreationData = sized('TPM2B_CREATION_DATA', TPMSCreationData, 2048);

/** The tickets TPMT_TK_CREATION, TPMT_TK_AUTH and TPMT_TK_HASHCHECK (§10.7) share one shape. */
function ticket(name: string) {
  return struct(name, { tag: UINT16, hierarchy: UINT32, digest: TPM2BDigest });
}
export const TPMTTKCreation = ticket('TPMT_TK_CREATION');
export const TPMTTKAuth = ticket('TPMT_TK_AUTH');
export const TPMTTKHashcheck = ticket('TPMT_TK_HASHCHECK');
export type TPMTTicket = { tag: number; hierarchy: number; digest: Uint8Array };
