/**
 * Every command of the layer against a real TPM 2.0 implementation (swtpm / libtpms).
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  G1Point,
  bigintToBytes,
  decodeG1,
  encodeG1,
  hashToG1,
  hashToScalar,
} from '../../src/crypto/fp256bn.ts';
import { tpmJoin } from '../../src/crypto/tpm-member.ts';
import {
  TPM_ALG,
  TPM_CAP,
  TPM_CC,
  TPM_ECC,
  TPM_RH,
  TPM_SE,
  TPMA_NV,
} from '../../src/tpm/constants.ts';
import { ekAuthorization, makeCredential } from '../../src/tpm/credential.ts';
import { hash, nvName, objectName } from '../../src/tpm/crypto.ts';
import { createEcdaaTpmSigner } from '../../src/tpm/ecdaa-signer.ts';
import { TpmError } from '../../src/tpm/errors.ts';
import { EK_PROFILES, ecdaaKeyTemplate, storagePrimaryEcc } from '../../src/tpm/templates.ts';
import { Tpm } from '../../src/tpm/tpm.ts';
import { useSwtpm } from '../helpers/swtpm.ts';

const fx = useSwtpm(1);
const tpm = (): Tpm => fx.tpms[0]!;

/** A storage primary in the platform hierarchy and an ECDAA key under it, loaded. */
async function loadEcdaaKey(t: Tpm) {
  const parent = await t.CreatePrimary(TPM_RH.PLATFORM, storagePrimaryEcc());
  const key = await t.Create(parent.objectHandle, ecdaaKeyTemplate());
  const loaded = await t.Load(parent.objectHandle, key.outPrivate, key.outPublic);
  return {
    parent: parent.objectHandle,
    key: loaded.objectHandle,
    pub: key.outPublic,
    name: loaded.name,
  };
}

describe('start-up, testing, random, capabilities', () => {
  it('answers Startup on a started TPM with TPM_RC_INITIALIZE, which ensureStarted accepts', async () => {
    const e = await tpm()
      .Startup()
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmError);
    expect((e as TpmError).rc.name).toBe('TPM_RC_INITIALIZE');
    expect((e as TpmError).message).toMatch(/TPM2_Startup failed: TPM_RC_INITIALIZE \(0x100\)/);
    await tpm().ensureStarted();
  });

  it('runs SelfTest and GetRandom of more than one digest', async () => {
    await tpm().SelfTest(true);
    const r = await tpm().GetRandom(100);
    expect(r.length).toBe(100);
    expect(new Set(r).size).toBeGreaterThan(30);
  });

  it('reads algorithms, curves and properties', async () => {
    const algs = await tpm().GetCapability(TPM_CAP.ALGS, 0, 256);
    expect(algs.capabilityData.capability).toBe(TPM_CAP.ALGS);
    const curves = await tpm().GetCapability(TPM_CAP.ECC_CURVES, 0, 64);
    expect(curves.capabilityData).toMatchObject({
      eccCurves: expect.arrayContaining([TPM_ECC.BN_P256]),
    });
    const props = await tpm().getProperties();
    expect(props.get(0x100)).toBe(0x322e3000); // "2.0\0"
    expect(await tpm().nvBufferMax()).toBe(1024);
  });
});

describe('objects', () => {
  it('creates a primary, creates and loads a child, reads its public area and flushes both', async () => {
    const t = tpm();
    const { parent, key, pub, name } = await loadEcdaaKey(t);
    const rp = await t.ReadPublic(key);
    expect(rp.outPublic).toEqual(pub);
    expect(Buffer.from(rp.name)).toEqual(Buffer.from(objectName(pub)));
    expect(Buffer.from(name)).toEqual(Buffer.from(rp.name));
    await t.FlushContext(key);
    await t.FlushContext(parent);
    const e = await t.ReadPublic(key).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmError);
    expect((e as TpmError).rc.name).toBe('TPM_RC_REFERENCE_H0');
  });

  it('persists a key in the platform hierarchy at 0x81800000 and evicts it', async () => {
    const t = tpm();
    const { parent, key, pub } = await loadEcdaaKey(t);
    await t.EvictControl(TPM_RH.PLATFORM, key, 0x81800000);
    await t.FlushContext(key);
    await t.FlushContext(parent);
    expect((await t.ReadPublic(0x81800000)).outPublic).toEqual(pub);
    expect(await t.getHandles(0x81800000)).toContain(0x81800000);
    // An owner-hierarchy authorization cannot evict a platform object (domain.md §5).
    const e = await t.EvictControl(TPM_RH.OWNER, 0x81800000, 0x81800000).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmError);
    await t.EvictControl(TPM_RH.PLATFORM, 0x81800000, 0x81800000);
    expect(await t.getHandles(0x81800000)).not.toContain(0x81800000);
  });
});

describe('ECDAA on BN_P256 (Commit, Sign)', () => {
  const P1 = encodeG1(G1Point.BASE);

  it('signs with the ECDAA scheme: s·P1 = E + H(n ‖ c′)·Q', async () => {
    const t = tpm();
    const { parent, key } = await loadEcdaaKey(t);
    try {
      const signer = await createEcdaaTpmSigner(t, key);
      const Q = decodeG1(signer.publicPoint);
      const { counter, E, K, L } = await signer.commit(P1);
      expect(K).toBeUndefined();
      expect(L).toBeUndefined();
      const cPrime = crypto.randomBytes(32);
      const { n, s } = await signer.sign(cPrime, counter);
      const c = hashToScalar(n, cPrime);
      const lhs = G1Point.BASE.multiply(BigInt('0x' + Buffer.from(s).toString('hex')));
      expect(lhs.equals(decodeG1(E).add(Q.multiply(c)))).toBe(true);
      // A commit counter is good for one signature only.
      const again = await signer.sign(cPrime, counter).catch((x: unknown) => x);
      expect(again).toBeInstanceOf(TpmError);
    } finally {
      await t.FlushContext(key);
      await t.FlushContext(parent);
    }
  });

  it('with a basename returns K and L on hash_to_G1(bsn): s·B′ = L + c·K', async () => {
    const t = tpm();
    const { parent, key } = await loadEcdaaKey(t);
    try {
      const signer = await createEcdaaTpmSigner(t, key);
      const bsn = new TextEncoder().encode('BASENAME');
      const { point: B, i } = hashToG1(bsn);
      const s2 = new Uint8Array([i & 0xff, (i >>> 8) & 0xff, (i >>> 16) & 0xff, i >>> 24, ...bsn]);
      const y2 = bigintToBytes(B.toAffine().y);
      const r = await signer.commit(P1, { s2, y2 });
      expect(r.K).toBeDefined();
      const cPrime = crypto.randomBytes(32);
      const { n, s } = await signer.sign(cPrime, r.counter);
      const c = hashToScalar(n, cPrime);
      const sBig = BigInt('0x' + Buffer.from(s).toString('hex'));
      expect(B.multiply(sBig).equals(decodeG1(r.L!).add(decodeG1(r.K!).multiply(c)))).toBe(true);
      expect(
        G1Point.BASE.multiply(sBig).equals(
          decodeG1(r.E).add(decodeG1(signer.publicPoint).multiply(c)),
        ),
      ).toBe(true);
      // Same key, same basename: the same K (the linkable pseudonym), another L.
      const again = await signer.commit(P1, { s2, y2 });
      expect(Buffer.from(again.K!)).toEqual(Buffer.from(r.K!));
      expect(Buffer.from(again.L!)).not.toEqual(Buffer.from(r.L!));
      await signer.sign(cPrime, again.counter);
    } finally {
      await t.FlushContext(key);
      await t.FlushContext(parent);
    }
  });

  it('runs a whole join through the crypto layer (tpmJoin)', async () => {
    const t = tpm();
    const { parent, key } = await loadEcdaaKey(t);
    try {
      const signer = await createEcdaaTpmSigner(t, key);
      const memberPublicKey = await tpmJoin(signer, new TextEncoder().encode('join-nonce-0001'));
      expect(memberPublicKey.length).toBe(161);
      expect(Buffer.from(memberPublicKey.subarray(0, 65))).toEqual(Buffer.from(signer.publicPoint));
    } finally {
      await t.FlushContext(key);
      await t.FlushContext(parent);
    }
  });
});

describe('NV storage', () => {
  const attrs = TPMA_NV.PPWRITE | TPMA_NV.AUTHREAD | TPMA_NV.PLATFORMCREATE | TPMA_NV.NO_DA;

  it.each([1024, 1500, 2048])(
    'writes and reads %i bytes across NV_BUFFER_MAX chunks',
    async (size) => {
      const t = tpm();
      const index = 0x01410100 + size;
      const publicInfo = {
        nvIndex: index,
        nameAlg: TPM_ALG.SHA256,
        attributes: attrs,
        authPolicy: new Uint8Array(),
        dataSize: size,
      };
      await t.NV_DefineSpace(TPM_RH.PLATFORM, publicInfo);
      try {
        const data = crypto.randomBytes(size);
        await t.NV_Write(TPM_RH.PLATFORM, index, data);
        expect(Buffer.from(await t.NV_Read(index, index, size))).toEqual(data);
        const rp = await t.NV_ReadPublic(index);
        expect(rp.nvPublic.dataSize).toBe(size);
        expect(rp.nvPublic.attributes & TPMA_NV.WRITTEN).toBeTruthy();
        expect(Buffer.from(rp.nvName)).toEqual(Buffer.from(nvName(rp.nvPublic)));
        // A part in the middle, crossing a chunk boundary.
        expect(Buffer.from(await t.NV_Read(index, index, 300, 700))).toEqual(
          data.subarray(700, 1000),
        );
      } finally {
        await t.NV_UndefineSpace(TPM_RH.PLATFORM, index);
      }
    },
  );

  it('chunks by a smaller NV buffer (768, as on many chips) and locks writes with NV_WriteLock', async () => {
    const t = new Tpm(tpm().transport, { nvBufferMax: 768 });
    const index = 0x01410200;
    const publicInfo = {
      nvIndex: index,
      nameAlg: TPM_ALG.SHA256,
      attributes: attrs | TPMA_NV.WRITEDEFINE,
      authPolicy: new Uint8Array(),
      dataSize: 1600,
    };
    await t.NV_DefineSpace(TPM_RH.PLATFORM, publicInfo);
    try {
      const data = crypto.randomBytes(1600);
      await t.NV_Write(TPM_RH.PLATFORM, index, data);
      expect(Buffer.from(await t.NV_Read(index, index, 1600))).toEqual(data);
      await t.NV_WriteLock(TPM_RH.PLATFORM, index);
      const e = await t
        .NV_Write(TPM_RH.PLATFORM, index, data.subarray(0, 10))
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TpmError);
      expect((e as TpmError).rc.name).toBe('TPM_RC_NV_LOCKED');
    } finally {
      await t.NV_UndefineSpace(TPM_RH.PLATFORM, index);
    }
  });

  it('undefines a POLICY_DELETE index with NV_UndefineSpaceSpecial and a policy session', async () => {
    const t = tpm();
    const index = 0x01410400;
    // authPolicy = PolicyCommandCode(TPM_CC_NV_UndefineSpaceSpecial), computed on the host.
    const cc = (n: number) =>
      Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
    const authPolicy = hash(
      TPM_ALG.SHA256,
      new Uint8Array(32),
      cc(TPM_CC.PolicyCommandCode),
      cc(TPM_CC.NV_UndefineSpaceSpecial),
    );
    await t.NV_DefineSpace(TPM_RH.PLATFORM, {
      nvIndex: index,
      nameAlg: TPM_ALG.SHA256,
      attributes: attrs | TPMA_NV.POLICY_DELETE,
      authPolicy,
      dataSize: 16,
    });
    const plain = await t.NV_UndefineSpace(TPM_RH.PLATFORM, index).catch((x: unknown) => x);
    expect((plain as TpmError).rc.name).toBe('TPM_RC_ATTRIBUTES');
    const session = await t.StartAuthSession(TPM_SE.POLICY, TPM_ALG.SHA256);
    await t.PolicyCommandCode(session, TPM_CC.NV_UndefineSpaceSpecial);
    session.continueSession = false;
    await t.NV_UndefineSpaceSpecial(index, session);
    expect(await t.getHandles(0x01410400, 0x01410400)).toEqual([]);
  });

  it('names the handle, the hierarchy and the advice in errors', async () => {
    const e = await tpm()
      .NV_Read(0x01499999, 0x01499999, 4)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmError);
    const err = e as TpmError;
    expect(err.command).toBe('NV_Read');
    expect(err.rc.format).toBe(1);
    expect(err.message).toMatch(/^TPM2_NV_Read failed: TPM_RC_HANDLE \(0x18b, handle 1\)/);
    const defined = {
      nvIndex: 0x01410300,
      nameAlg: TPM_ALG.SHA256,
      attributes: attrs,
      authPolicy: new Uint8Array(),
      dataSize: 8,
    };
    await tpm().NV_DefineSpace(TPM_RH.PLATFORM, defined);
    try {
      const dup = (await tpm()
        .NV_DefineSpace(TPM_RH.PLATFORM, defined)
        .catch((x: unknown) => x)) as TpmError;
      expect(dup.rc.name).toBe('TPM_RC_NV_DEFINED');
      expect(dup.message).toMatch(/undefine or evict it first/);
    } finally {
      await tpm().NV_UndefineSpace(TPM_RH.PLATFORM, 0x01410300);
    }
  });
});

describe('sessions and ActivateCredential', () => {
  it.each([
    ['RSA-2048', 0x81010001],
    ['ECC P-384', 0x81010016],
  ])('activates a credential made for the %s EK', async (_label, ekHandle) => {
    const t = tpm();
    const ek = (await t.ReadPublic(ekHandle)).outPublic;
    const { parent, key, name } = await loadEcdaaKey(t);
    try {
      const secret = crypto.randomBytes(32);
      const made = makeCredential(ek, secret, name);
      const keyAuth = await ekAuthorization(t, ek);
      // The low-range RSA EK needs its policy; the high-range ECC EK has userWithAuth.
      expect(keyAuth.kind).toBe(ekHandle === 0x81010001 ? 'policy' : 'password');
      const certInfo = await t.ActivateCredential(key, ekHandle, made.credentialBlob, made.secret, {
        keyAuth,
      });
      expect(Buffer.from(certInfo)).toEqual(secret);
      if (keyAuth.kind === 'policy') expect(keyAuth.alive).toBe(false);
      // A blob made for another object's name does not activate.
      const other = makeCredential(ek, secret, objectName(ecdaaKeyTemplate({ noDA: true })));
      const auth2 = await ekAuthorization(t, ek);
      const e = await t
        .ActivateCredential(key, ekHandle, other.credentialBlob, other.secret, { keyAuth: auth2 })
        .catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TpmError);
      if (auth2.kind === 'policy') await t.FlushContext(auth2.handle).catch(() => undefined);
    } finally {
      await t.FlushContext(key);
      await t.FlushContext(parent);
    }
  });

  it('activates a credential for a transient ECC P-256 EK made from the L-2 template', async () => {
    const t = tpm();
    const l2 = EK_PROFILES.find((p) => p.template === 'L-2')!;
    const ek = await t.CreatePrimary(TPM_RH.ENDORSEMENT, l2.publicTemplate!());
    const { parent, key, name } = await loadEcdaaKey(t);
    try {
      const secret = crypto.randomBytes(20);
      const made = makeCredential(ek.outPublic, secret, name);
      const keyAuth = await ekAuthorization(t, ek.outPublic);
      expect(keyAuth.kind).toBe('policy');
      const certInfo = await t.ActivateCredential(
        key,
        ek.objectHandle,
        made.credentialBlob,
        made.secret,
        {
          keyAuth,
        },
      );
      expect(Buffer.from(certInfo)).toEqual(secret);
    } finally {
      await t.FlushContext(key);
      await t.FlushContext(parent);
      await t.FlushContext(ek.objectHandle);
    }
  });

  it('refuses ActivateCredential on an EK without the endorsement policy', async () => {
    const t = tpm();
    const ek = (await t.ReadPublic(0x81010001)).outPublic;
    const { parent, key, name } = await loadEcdaaKey(t);
    try {
      const made = makeCredential(ek, crypto.randomBytes(16), name);
      const session = await t.StartAuthSession(TPM_SE.POLICY, ek.nameAlg);
      session.continueSession = false;
      const e = (await t
        .ActivateCredential(key, 0x81010001, made.credentialBlob, made.secret, { keyAuth: session })
        .catch((x: unknown) => x)) as TpmError;
      expect(e).toBeInstanceOf(TpmError);
      expect(e.rc).toMatchObject({ name: 'TPM_RC_POLICY_FAIL', session: 2 });
      await t.FlushContext(session.handle).catch(() => undefined);
    } finally {
      await t.FlushContext(key);
      await t.FlushContext(parent);
    }
  });

  it('flushes what a crashed process left loaded', async () => {
    const t = tpm();
    const parent = await t.CreatePrimary(TPM_RH.PLATFORM, storagePrimaryEcc());
    const session = await t.StartAuthSession(TPM_SE.POLICY);
    expect(await t.getHandles(0x02000000)).toEqual([session.handle]);
    expect((await t.flushTransients()).sort()).toEqual(
      [parent.objectHandle, session.handle].sort(),
    );
  });

  it('leaves no transient objects or sessions behind', async () => {
    expect(await tpm().getHandles(0x80000000)).toEqual([]);
    expect(await tpm().getHandles(0x03000000)).toEqual([]);
    expect(await tpm().getHandles(0x02000000)).toEqual([]);
  });
});
