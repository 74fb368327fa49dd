/**
 * `probeTpm`: what a TPM says about itself, every field read from the chip (never assumed):
 * vendor and firmware, spec level, algorithms and curves, NV and object limits, hierarchy
 * state, and its endorsement keys with their certificates from NV.
 */
import crypto from 'node:crypto';
import {
  TPM_ALG,
  TPM_CAP,
  TPM_ECC,
  TPM_PT,
  TPM_RH,
  TPM_SE,
  TPMA_NV,
  TPMA_OBJECT,
  TPMA_PERMANENT,
  TPMA_STARTUP_CLEAR,
  algName,
  curveName,
  hexHandle,
} from './constants.ts';
import { publicKeyPem, publicKeySpki } from './crypto.ts';
import { TpmError, TpmFormatError } from './errors.ts';
import { bytesEqual, unmarshal } from './marshal.ts';
import { derSequenceLength } from '../util/der.ts';
import { EMPTY_AUTH } from './session.ts';
import { EK_PROFILES, EK_TEMPLATE_INDEX, type EkProfile } from './templates.ts';
import type { Tpm } from './tpm.ts';
import { TPMTPublic } from './types/public.ts';

export interface EkCertificateInfo {
  nvIndex: string;
  pem: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
}

export interface EkInfo {
  /** `rsa2048`, `ecc-nist-p256`, `ecc-nist-p384`, … */
  type: string;
  /** The EK profile template the key matches (`L-1`, `H-3`…), when its certificate says so. */
  template: string | null;
  /** Persistent handle, or null for an EK recreated from its template by this probe. */
  handle: string | null;
  nameAlg: string;
  /** The key's TPM Name (hex). */
  name: string;
  publicKeyPem: string;
  /** DER SubjectPublicKeyInfo, base64. */
  publicKeySpkiDer: string;
  certificate: EkCertificateInfo | null;
}

export interface TpmInfo {
  tpm: string;
  /** TPM_PT_MANUFACTURER as text, e.g. `IFX`, `STM`, `NTC`, `IBM`. */
  manufacturer: string;
  manufacturerId: string;
  /** The TCG vendor registry's name for that id, when known. */
  manufacturerName: string | null;
  vendorStrings: string[];
  vendorString: string;
  vendorTpmType: number;
  /** FIRMWARE_VERSION_1/2 as a.b.c.d (16-bit halves), and the raw words. */
  firmwareVersion: string;
  firmwareVersionRaw: [string, string];
  spec: { family: string; level: number; revision: string; year: number; dayOfYear: number };
  algorithms: string[];
  eccCurves: string[];
  ecdaa: boolean;
  bnP256: boolean;
  limits: {
    nvBufferMax: number;
    nvIndexMax: number;
    inputBuffer: number;
    maxCommandSize: number;
    maxResponseSize: number;
    loadedObjectsMin: number;
    transientObjectsMin: number;
    activeSessionsMax: number;
    persistentAvailable: number;
    nvCountersMax: number;
  };
  hierarchies: { platform: boolean; owner: boolean; endorsement: boolean; platformNV: boolean };
  auth: {
    /** Platform authorization with an empty password works (null: platform hierarchy disabled). */
    platformEmpty: boolean | null;
    ownerAuthSet: boolean;
    endorsementAuthSet: boolean;
    lockoutAuthSet: boolean;
    inLockout: boolean;
    lockoutCounter: number;
    maxAuthFail: number;
  };
  ek: EkInfo[];
  /** EK certificate indexes whose certificate could not be read or matched to a key. */
  ekCertificatesUnmatched: { nvIndex: string; reason: string; pem: string | null }[];
  /**
   * The other certificates in the TCG endorsement NV range (only with `otherCertificates`):
   * EK chain certificates (0x01c00100–0x01c001ff, the CAs between the EK certificate and
   * the vendor root) and platform certificates (0x01c08000–0x01c0ffff).
   */
  otherCertificates?: OtherCertificate[];
}

export interface OtherCertificate {
  nvIndex: string;
  kind: 'ek-chain' | 'platform' | 'other';
  /** PEM of the stored DER when it is not an X.509 public-key certificate (else `certificate.pem`). */
  pem: string | null;
  /** Parsed fields when it is an X.509 public-key certificate, else why not. */
  certificate: EkCertificateInfo | null;
  note: string;
}

/** TCG TPM Vendor ID Registry. */
const VENDORS: Record<string, string> = {
  AMD: 'AMD',
  ATML: 'Atmel',
  BRCM: 'Broadcom',
  CSCO: 'Cisco',
  FLYS: 'Flyslice Technologies',
  ROCC: 'Fuzhou Rockchip',
  GOOG: 'Google',
  HPI: 'HPI',
  HPE: 'HPE',
  HISI: 'Huawei',
  IBM: 'IBM',
  IFX: 'Infineon',
  INTC: 'Intel',
  LEN: 'Lenovo',
  MSFT: 'Microsoft',
  NSM: 'National Semiconductor',
  NTZ: 'Nationz',
  NTC: 'Nuvoton Technology',
  QCOM: 'Qualcomm',
  SMSC: 'SMSC',
  STM: 'STMicroelectronics',
  SMSN: 'Samsung',
  SNS: 'Sinosun',
  TXN: 'Texas Instruments',
  WEC: 'Winbond',
  SECE: 'SecEdge',
};

function fourChars(v: number | undefined): string {
  if (v === undefined) return '';
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b
    .toString('latin1')
    .replace(/\0+$/g, '')
    .replace(/[^\x20-\x7e]/g, '?');
}

const word = (v: number | undefined): string =>
  '0x' + ((v ?? 0) >>> 0).toString(16).padStart(8, '0');

function keyType(pub: TPMTPublic): string {
  if (pub.type === TPM_ALG.RSA) return `rsa${pub.parameters.keyBits}`;
  if (pub.type === TPM_ALG.ECC) {
    const c = pub.parameters.curveID;
    const named: Record<number, string> = {
      [TPM_ECC.NIST_P256]: 'ecc-nist-p256',
      [TPM_ECC.NIST_P384]: 'ecc-nist-p384',
      [TPM_ECC.NIST_P521]: 'ecc-nist-p521',
      [TPM_ECC.BN_P256]: 'ecc-bn-p256',
      [TPM_ECC.SM2_P256]: 'ecc-sm2-p256',
    };
    return named[c] ?? `ecc-${curveName(c).toLowerCase()}`;
  }
  return algName(pub.type).toLowerCase();
}

/** A DER certificate may sit in a larger NV index, padded: cut at the outer SEQUENCE's length. */
function toPem(der: Uint8Array): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** Reads an NV index with whichever read authorization its attributes allow (empty passwords). */
async function readNvIndex(tpm: Tpm, index: number): Promise<Uint8Array> {
  const { nvPublic } = await tpm.NV_ReadPublic(index);
  const a = nvPublic.attributes;
  const tries: number[] = [];
  if (a & TPMA_NV.AUTHREAD) tries.push(index);
  if (a & TPMA_NV.OWNERREAD) tries.push(TPM_RH.OWNER);
  if (a & TPMA_NV.PPREAD) tries.push(TPM_RH.PLATFORM);
  let last: unknown = new Error(`NV index ${hexHandle(index)} allows no password read`);
  for (const auth of tries) {
    try {
      return await tpm.NV_Read(auth, index, nvPublic.dataSize);
    } catch (e) {
      if (!(e instanceof TpmError)) throw e;
      last = e;
    }
  }
  throw last;
}

interface FoundCert {
  profile: EkProfile;
  der: Uint8Array | null;
  spki: Uint8Array | null;
  reason: string;
}

async function readEkCertificates(tpm: Tpm, nvIndexes: Set<number>): Promise<FoundCert[]> {
  const out: FoundCert[] = [];
  for (const profile of EK_PROFILES) {
    if (!nvIndexes.has(profile.certIndex)) continue;
    try {
      const raw = await readNvIndex(tpm, profile.certIndex);
      const len = derSequenceLength(raw);
      if (len === null) {
        out.push({
          profile,
          der: null,
          spki: null,
          reason: 'the index does not hold a DER certificate',
        });
        continue;
      }
      const der = raw.subarray(0, len);
      try {
        const cert = new crypto.X509Certificate(der);
        const spki = new Uint8Array(cert.publicKey.export({ type: 'spki', format: 'der' }));
        out.push({ profile, der, spki, reason: '' });
      } catch (e) {
        out.push({
          profile,
          der,
          spki: null,
          reason: `certificate does not parse: ${(e as Error).message}`,
        });
      }
    } catch (e) {
      out.push({ profile, der: null, spki: null, reason: `cannot read: ${(e as Error).message}` });
    }
  }
  return out;
}

function certInfo(index: number, der: Uint8Array): EkCertificateInfo {
  const c = new crypto.X509Certificate(der);
  return {
    nvIndex: hexHandle(index),
    pem: toPem(der),
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
  };
}

function ekInfo(
  pub: TPMTPublic,
  name: Uint8Array,
  handle: number | null,
  cert: FoundCert | null,
): EkInfo {
  return {
    type: keyType(pub),
    template: cert?.profile.template ?? null,
    handle: handle === null ? null : hexHandle(handle),
    nameAlg: algName(pub.nameAlg),
    name: Buffer.from(name).toString('hex'),
    publicKeyPem: publicKeyPem(pub),
    publicKeySpkiDer: Buffer.from(publicKeySpki(pub)).toString('base64'),
    certificate: cert?.der ? certInfo(cert.profile.certIndex, cert.der) : null,
  };
}

/** The template to recreate an EK with: from its template NV index if present, else the profile's. */
async function ekTemplate(
  tpm: Tpm,
  profile: EkProfile,
  nvIndexes: Set<number>,
): Promise<TPMTPublic | null> {
  const templateIndex = EK_TEMPLATE_INDEX[profile.certIndex];
  if (templateIndex !== undefined && nvIndexes.has(templateIndex)) {
    return unmarshal(TPMTPublic, await readNvIndex(tpm, templateIndex));
  }
  return profile.publicTemplate?.() ?? null;
}

function isStorageKey(pub: TPMTPublic): boolean {
  const need = TPMA_OBJECT.fixedTPM | TPMA_OBJECT.restricted | TPMA_OBJECT.decrypt;
  return (
    (pub.objectAttributes & need) === need && (pub.type === TPM_ALG.RSA || pub.type === TPM_ALG.ECC)
  );
}

/** Whether platform authorization with an empty password works: PolicySecret in a trial session. */
async function platformAuthWorks(tpm: Tpm): Promise<boolean | null> {
  const session = await tpm.StartAuthSession(TPM_SE.TRIAL);
  try {
    await tpm.PolicySecret(TPM_RH.PLATFORM, session, { auth: EMPTY_AUTH });
    return true;
  } catch (e) {
    if (e instanceof TpmError) {
      if (e.baseCode === 0x0a2 || e.baseCode === 0x08e) return false; // BAD_AUTH, AUTH_FAIL
      if (e.baseCode === 0x085) return null; // HIERARCHY: disabled
    }
    throw e;
  } finally {
    await tpm.FlushContext(session.handle).catch(() => undefined);
  }
}

export interface ProbeOptions {
  /**
   * Recreate EKs that have a certificate but no persistent key, from their template (needs
   * an empty endorsement password; RSA key generation takes a while on real chips). Default true.
   */
  recreateEks?: boolean;
  /** Also read the EK chain and platform certificates (`otherCertificates`). Default false. */
  otherCertificates?: boolean;
}

function otherKind(index: number): OtherCertificate['kind'] {
  if (index >= 0x01c00100 && index <= 0x01c001ff) return 'ek-chain';
  if (index >= 0x01c08000 && index <= 0x01c0ffff) return 'platform';
  return 'other';
}

/** The certificates in the EK NV range that are not EK certificates or EK templates. */
async function readOtherCertificates(
  tpm: Tpm,
  nvIndexes: Set<number>,
): Promise<OtherCertificate[]> {
  const known = new Set<number>([
    ...EK_PROFILES.map((p) => p.certIndex),
    ...Object.values(EK_TEMPLATE_INDEX),
    // The EK nonce indexes of the low-range profiles (TCG EK profile §2.2.1.4).
    0x01c00003,
    0x01c0000b,
  ]);
  const out: OtherCertificate[] = [];
  for (const index of [...nvIndexes].sort((a, b) => a - b)) {
    if (known.has(index)) continue;
    const entry: OtherCertificate = {
      nvIndex: hexHandle(index),
      kind: otherKind(index),
      pem: null,
      certificate: null,
      note: '',
    };
    try {
      const raw = await readNvIndex(tpm, index);
      const len = derSequenceLength(raw);
      if (len === null) {
        entry.note = 'the index does not hold DER data';
      } else {
        const der = raw.subarray(0, len);
        try {
          entry.certificate = certInfo(index, der);
        } catch (e) {
          entry.pem = toPem(der);
          // A TCG platform certificate may be an attribute certificate, not X.509 public-key.
          entry.note = `not an X.509 public-key certificate: ${(e as Error).message}`;
        }
      }
    } catch (e) {
      if (!(e instanceof TpmError || e instanceof TpmFormatError)) throw e;
      entry.note = `cannot read: ${e.message}`;
    }
    out.push(entry);
  }
  return out;
}

export async function probeTpm(tpm: Tpm, options: ProbeOptions = {}): Promise<TpmInfo> {
  // Ask per group: some TPMs end an answer (moreData = NO) at the end of the fixed group.
  const p = new Map([
    ...(await tpm.getProperties(0x100, 0x1ff)),
    ...(await tpm.getProperties(0x200, 0x2ff)),
  ]);
  const prop = (k: number): number => p.get(k) ?? 0;

  const algs: string[] = [];
  let algCap = await tpm.GetCapability(TPM_CAP.ALGS, 0, 256);
  for (let round = 0; round < 16; round++) {
    if (algCap.capabilityData.capability !== TPM_CAP.ALGS) break;
    const list = algCap.capabilityData.algorithms;
    algs.push(...list.map((a) => algName(a.alg)));
    if (!algCap.moreData || list.length === 0) break;
    algCap = await tpm.GetCapability(TPM_CAP.ALGS, list[list.length - 1]!.alg + 1, 256);
  }
  const curveCap = await tpm.GetCapability(TPM_CAP.ECC_CURVES, 0, 256);
  const curves =
    curveCap.capabilityData.capability === TPM_CAP.ECC_CURVES
      ? curveCap.capabilityData.eccCurves
      : [];

  const startup = prop(TPM_PT.STARTUP_CLEAR);
  const permanent = prop(TPM_PT.PERMANENT);
  const hierarchies = {
    platform: Boolean(startup & TPMA_STARTUP_CLEAR.phEnable),
    owner: Boolean(startup & TPMA_STARTUP_CLEAR.shEnable),
    endorsement: Boolean(startup & TPMA_STARTUP_CLEAR.ehEnable),
    platformNV: Boolean(startup & TPMA_STARTUP_CLEAR.phEnableNV),
  };
  const platformEmpty = hierarchies.platform ? await platformAuthWorks(tpm) : null;

  // Endorsement keys: persistent ones in the TCG EK range, and certificates in NV.
  const nvIndexes = new Set(await tpm.getHandles(0x01c00000, 0x01c0ffff));
  const certs = await readEkCertificates(tpm, nvIndexes);
  const ek: EkInfo[] = [];
  const matched = new Set<FoundCert>();
  for (const handle of await tpm.getHandles(0x81010000, 0x8101ffff)) {
    // With the endorsement hierarchy disabled its keys cannot be read: skip, do not fail.
    const read = await tpm.ReadPublic(handle).catch((e: unknown) => {
      if (e instanceof TpmError) return null;
      throw e;
    });
    if (!read) continue;
    const { outPublic, name } = read;
    if (!isStorageKey(outPublic)) continue;
    const spki = publicKeySpki(outPublic);
    const cert = certs.find((c) => c.spki && bytesEqual(c.spki, spki)) ?? null;
    if (cert) matched.add(cert);
    ek.push(ekInfo(outPublic, name, handle, cert));
  }
  const unmatched: TpmInfo['ekCertificatesUnmatched'] = [];
  for (const cert of certs) {
    if (matched.has(cert)) continue;
    let reason = cert.reason;
    if (
      !reason &&
      (options.recreateEks ?? true) &&
      hierarchies.endorsement &&
      !(permanent & TPMA_PERMANENT.endorsementAuthSet)
    ) {
      try {
        const template = await ekTemplate(tpm, cert.profile, nvIndexes);
        if (template) {
          const made = await tpm.CreatePrimary(TPM_RH.ENDORSEMENT, template);
          await tpm.FlushContext(made.objectHandle);
          if (bytesEqual(publicKeySpki(made.outPublic), cert.spki!)) {
            ek.push(ekInfo(made.outPublic, made.name, null, cert));
            continue;
          }
          reason = `the key made from template ${cert.profile.template} differs from the certificate's`;
        } else reason = `no template known for ${cert.profile.template}`;
      } catch (e) {
        if (!(e instanceof TpmError || e instanceof TpmFormatError)) throw e;
        reason = `cannot recreate the EK: ${e.message}`;
      }
    }
    reason ||= 'no persistent EK matches the certificate';
    unmatched.push({
      nvIndex: hexHandle(cert.profile.certIndex),
      reason,
      pem: cert.der ? toPem(cert.der) : null,
    });
  }

  const fw1 = prop(TPM_PT.FIRMWARE_VERSION_1);
  const fw2 = prop(TPM_PT.FIRMWARE_VERSION_2);
  const vendorStrings = [
    TPM_PT.VENDOR_STRING_1,
    TPM_PT.VENDOR_STRING_2,
    TPM_PT.VENDOR_STRING_3,
    TPM_PT.VENDOR_STRING_4,
  ].map((k) => fourChars(p.get(k)));
  const manufacturer = fourChars(p.get(TPM_PT.MANUFACTURER)).trim();
  const revision = prop(TPM_PT.REVISION);
  return {
    tpm: tpm.name,
    manufacturer,
    manufacturerId: word(p.get(TPM_PT.MANUFACTURER)),
    manufacturerName: VENDORS[manufacturer] ?? null,
    vendorStrings,
    vendorString: vendorStrings.join('').replace(/\s+/g, ' ').trim(),
    vendorTpmType: prop(TPM_PT.VENDOR_TPM_TYPE),
    firmwareVersion: `${fw1 >>> 16}.${fw1 & 0xffff}.${fw2 >>> 16}.${fw2 & 0xffff}`,
    firmwareVersionRaw: [word(fw1), word(fw2)],
    spec: {
      family: fourChars(p.get(TPM_PT.FAMILY_INDICATOR)),
      level: prop(TPM_PT.LEVEL),
      revision: `${Math.floor(revision / 100)}.${String(revision % 100).padStart(2, '0')}`,
      year: prop(TPM_PT.YEAR),
      dayOfYear: prop(TPM_PT.DAY_OF_YEAR),
    },
    algorithms: algs,
    eccCurves: curves.map(curveName),
    ecdaa: algs.includes('ECDAA'),
    bnP256: curves.includes(TPM_ECC.BN_P256),
    limits: {
      nvBufferMax: prop(TPM_PT.NV_BUFFER_MAX),
      nvIndexMax: prop(TPM_PT.NV_INDEX_MAX),
      inputBuffer: prop(TPM_PT.INPUT_BUFFER),
      maxCommandSize: prop(TPM_PT.MAX_COMMAND_SIZE),
      maxResponseSize: prop(TPM_PT.MAX_RESPONSE_SIZE),
      loadedObjectsMin: prop(TPM_PT.HR_LOADED_MIN),
      transientObjectsMin: prop(TPM_PT.HR_TRANSIENT_MIN),
      activeSessionsMax: prop(TPM_PT.ACTIVE_SESSIONS_MAX),
      persistentAvailable: prop(TPM_PT.HR_PERSISTENT_AVAIL),
      nvCountersMax: prop(TPM_PT.NV_COUNTERS_MAX),
    },
    hierarchies,
    auth: {
      platformEmpty,
      ownerAuthSet: Boolean(permanent & TPMA_PERMANENT.ownerAuthSet),
      endorsementAuthSet: Boolean(permanent & TPMA_PERMANENT.endorsementAuthSet),
      lockoutAuthSet: Boolean(permanent & TPMA_PERMANENT.lockoutAuthSet),
      inLockout: Boolean(permanent & TPMA_PERMANENT.inLockout),
      lockoutCounter: prop(TPM_PT.LOCKOUT_COUNTER),
      maxAuthFail: prop(TPM_PT.MAX_AUTH_FAIL),
    },
    ek,
    ekCertificatesUnmatched: unmatched,
    ...(options.otherCertificates
      ? { otherCertificates: await readOtherCertificates(tpm, nvIndexes) }
      : {}),
  };
}
