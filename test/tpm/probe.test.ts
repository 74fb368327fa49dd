/**
 * probeTpm against swtpm: every field comes from the TPM; EKs found persistent, and EKs
 * recreated from the TCG templates when only their certificate is left.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TPM_ALG, TPM_RH, TPMA_NV } from '../../src/tpm/constants.ts';
import { probeTpm } from '../../src/tpm/probe.ts';
import { useSwtpm } from '../helpers/swtpm.ts';

const fx = useSwtpm(1);

describe('probeTpm', () => {
  it('reports vendor, firmware, spec, ECDAA and BN_P256, limits and hierarchies from the TPM', async () => {
    const info = await probeTpm(fx.tpms[0]!);
    expect(info).toMatchObject({
      manufacturer: 'IBM',
      manufacturerId: '0x49424d00',
      vendorString: 'SW TPM',
      firmwareVersionRaw: ['0x20191023', '0x00163636'],
      spec: { family: '2.0', level: 0, revision: '1.64' },
      ecdaa: true,
      bnP256: true,
      limits: { nvBufferMax: 1024, nvIndexMax: 2048 },
      hierarchies: { platform: true, owner: true, endorsement: true, platformNV: true },
      auth: { platformEmpty: true, ownerAuthSet: false, inLockout: false },
      ekCertificatesUnmatched: [],
    });
    expect(info.algorithms).toEqual(expect.arrayContaining(['ECDAA', 'SHA256', 'ECC', 'RSA']));
    expect(info.eccCurves).toEqual(expect.arrayContaining(['BN_P256', 'NIST_P256']));
    expect(info.ek.map((e) => [e.type, e.template, e.handle])).toEqual([
      ['rsa2048', 'L-1', '0x81010001'],
      ['ecc-nist-p384', 'H-3', '0x81010016'],
    ]);
    for (const ek of info.ek) {
      expect(ek.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
      expect(ek.certificate!.pem).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      expect(ek.certificate!.issuer).toBe('CN=swtpm-localca');
    }
  });

  it('recreates EKs from the L-1 and H-3 templates when only their certificates remain', async () => {
    const t = fx.tpms[0]!;
    const before = await probeTpm(t);
    await t.EvictControl(TPM_RH.OWNER, 0x81010001, 0x81010001);
    await t.EvictControl(TPM_RH.OWNER, 0x81010016, 0x81010016);
    const after = await probeTpm(t);
    expect(after.ek.map((e) => [e.type, e.template, e.handle])).toEqual([
      ['rsa2048', 'L-1', null],
      ['ecc-nist-p384', 'H-3', null],
    ]);
    expect(after.ek.map((e) => e.publicKeySpkiDer)).toEqual(
      before.ek.map((e) => e.publicKeySpkiDer),
    );
    expect(after.ekCertificatesUnmatched).toEqual([]);
    expect(await t.getHandles(0x80000000)).toEqual([]);
    const quick = await probeTpm(t, { recreateEks: false });
    expect(quick.ek).toEqual([]);
    expect(quick.ekCertificatesUnmatched.map((u) => u.nvIndex)).toEqual([
      '0x01c00002',
      '0x01c00016',
    ]);
  });

  it('lists the platform certificate and EK chain certificates on request', async () => {
    const t = fx.tpms[0]!;
    // An intermediate CA certificate in the TCG EK chain range, as some vendors ship.
    const ca = new Uint8Array(new X509Certificate(readFileSync(fx.sim.issuerCertPath)).raw);
    const chainIndex = 0x01c00100;
    await t.NV_DefineSpace(TPM_RH.PLATFORM, {
      nvIndex: chainIndex,
      nameAlg: TPM_ALG.SHA256,
      attributes: TPMA_NV.PPWRITE | TPMA_NV.AUTHREAD | TPMA_NV.PLATFORMCREATE | TPMA_NV.NO_DA,
      authPolicy: new Uint8Array(),
      dataSize: ca.length,
    });
    try {
      await t.NV_Write(TPM_RH.PLATFORM, chainIndex, ca);
      expect((await probeTpm(t, { recreateEks: false })).otherCertificates).toBeUndefined();
      const info = await probeTpm(t, { recreateEks: false, otherCertificates: true });
      const found = info.otherCertificates!.map((o) => [o.nvIndex, o.kind, o.certificate?.subject]);
      expect(found).toEqual([
        ['0x01c00100', 'ek-chain', 'CN=swtpm-localca'],
        ['0x01c08000', 'platform', 'CN=unknown'],
      ]);
    } finally {
      await t.NV_UndefineSpace(TPM_RH.PLATFORM, chainIndex);
    }
  });
});
