import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { VECTORS_DIR } from '../helpers/paths.ts';
import { generateMemberKeyPair, issueCredentialBytes, signBytes } from '../../src/crypto/ecdaa.ts';
import { facilitySignerFromSecret } from '../../src/manifest/facility-key.ts';
import type { ManifestInput, ProvisionedDevice, RejectedDevice } from '../../src/manifest/types.ts';

/** Test manifests built from Xaptum's ecdaa vectors and software members of the same group. */

const dir = path.join(VECTORS_DIR, 'xaptum-ecdaa');
const read = (name: string) => new Uint8Array(readFileSync(path.join(dir, name)));

export const vectors = {
  ipk: read('ipk.bin'),
  isk: read('isk.bin'),
  gpk: read('gpk.bin'),
  memberPk: read('member_pk.bin'),
  nonce: read('nonce.txt'),
  cred: read('cred.bin'),
  credSig: read('cred_sig.bin'),
  sigBsn: read('sig_bsn.bin'),
  msg: read('msg.bin'),
  bsn: read('bsn.bin'),
};

/** A fixed facility key so test output is repeatable. */
export function testSigner(seed = 1) {
  const secret = createHash('sha256').update(`facility-key-${seed}`).digest();
  return facilitySignerFromSecret(new Uint8Array(secret));
}

const T0 = Date.parse('2025-03-01T08:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function deviceFrom(i: number, parts: Partial<ProvisionedDevice>): ProvisionedDevice {
  return {
    deviceId: `TPM-${String(i).padStart(6, '0')}`,
    slot: `slot-${i % 16}`,
    provisionedAt: at(60 + i),
    operator: i % 2 === 0 ? 'alice' : 'bob',
    tpm: {
      vendor: 'IBM',
      firmware: '1.2.3',
      ekPublic: [createHash('sha256').update(`ek-${i}`).digest()],
      ekCertificates: [new Uint8Array(600).fill(i % 251)],
    },
    memberPublicKey: vectors.memberPk,
    joinNonce: vectors.nonce,
    credential: vectors.cred,
    credentialSignature: vectors.credSig,
    ekBinding: { result: 'verified', method: 'ek-certificate' },
    selfTest: { message: vectors.msg, basename: vectors.bsn, signature: vectors.sigBsn },
    ...parts,
  };
}

/** Device 0 is Xaptum's vector member; the others are fresh software members of the group. */
export function realDevices(count: number): ProvisionedDevice[] {
  const out = [deviceFrom(0, {})];
  for (let i = 1; i < count; i++) {
    const nonce = new TextEncoder().encode(`join-nonce-${i}`);
    const { pk, sk } = generateMemberKeyPair(nonce);
    const { credential, credentialSignature } = issueCredentialBytes(pk, vectors.isk);
    const message = new TextEncoder().encode(`self-test challenge ${i}`);
    out.push(
      deviceFrom(i, {
        memberPublicKey: pk,
        joinNonce: nonce,
        credential,
        credentialSignature,
        selfTest: {
          message,
          basename: vectors.bsn,
          signature: signBytes(sk, credential, message, vectors.bsn),
        },
      }),
    );
  }
  return out;
}

/**
 * Synthetic copies of the vector record for volume: unique ids, nonces and member keys (so
 * duplicate checks pass), but only the structure holds; ECDAA checks would fail.
 */
export function* syntheticDevices(count: number): Generator<ProvisionedDevice> {
  for (let i = 0; i < count; i++) {
    const tweak = (b: Uint8Array) => {
      const c = new Uint8Array(b);
      c[1] = i & 0xff;
      c[2] = (i >>> 8) & 0xff;
      c[3] = (i >>> 16) & 0xff;
      return c;
    };
    yield deviceFrom(i, {
      memberPublicKey: tweak(vectors.memberPk),
      credential: tweak(vectors.cred),
      joinNonce: new TextEncoder().encode(`join-nonce-${i}`),
    });
  }
}

export function rejectedDevices(): RejectedDevice[] {
  return [
    {
      deviceId: 'TPM-F00001',
      slot: 'slot-3',
      outcome: 'failed',
      step: 'join',
      reason: 'TPM_RC_VALUE on Commit',
      at: at(30),
      operator: 'alice',
    },
    {
      deviceId: null,
      slot: 'slot-7',
      outcome: 'set-aside',
      step: 'identity',
      reason: 'no EK certificate',
      at: at(31),
      operator: 'bob',
    },
  ];
}

export function manifestInput(
  provisioned: ManifestInput['provisioned'],
  thumbprint: string,
  rejected: RejectedDevice[] = rejectedDevices(),
): ManifestInput {
  const gid = createHash('sha256').update(vectors.gpk).update(vectors.bsn).digest();
  return {
    batch: {
      id: 'B-2025-0001',
      name: 'March run',
      product: 'sensor-x',
      status: 'closed',
      createdAt: at(0),
      createdBy: 'carol',
      closedAt: at(100000),
      firstDeviceAt: at(30),
      lastDeviceAt: at(99999),
    },
    group: {
      issuerPublicKey: vectors.ipk,
      gpk: vectors.gpk,
      basename: vectors.bsn,
      gid: new Uint8Array(gid),
      curve: 'TPM_ECC_BN_P256',
      scheme: 'ECDAA',
    },
    layout: {
      profile: 'xtt-platform',
      handles: {
        key: 0x81800000,
        gpk: 0x01410000,
        credential: 0x01410001,
        credentialSignature: 0x01410002,
        basename: 0x01410007,
      },
    },
    station: { id: 'station-1', softwareVersion: '0.1.0', facilityKeyThumbprint: thumbprint },
    operators: [
      { name: 'alice', role: 'operator' },
      { name: 'bob', role: 'operator' },
      { name: 'carol', role: 'supervisor' },
    ],
    audit: { seq: 42, hash: new Uint8Array(createHash('sha256').update('audit').digest()) },
    provisioned,
    rejected,
    issuedAt: at(100100),
  };
}
