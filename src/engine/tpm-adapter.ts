import { randomBytes } from 'node:crypto';
import { createEcdaaTpmSigner } from '../tpm/ecdaa-signer.ts';
import { TPM_ALG, TPM_RH, TPM_SE } from '../tpm/constants.ts';
import { leftPad, objectName, publicKeySpki } from '../tpm/crypto.ts';
import { makeCredential } from '../tpm/credential.ts';
import { TpmError } from '../tpm/errors.ts';
import { probeTpm, type TpmInfo } from '../tpm/probe.ts';
import { EMPTY_AUTH } from '../tpm/session.ts';
import { EK_PROFILES, ecdaaKeyTemplate, storagePrimaryEcc } from '../tpm/templates.ts';
import { Tpm, type TpmOptions } from '../tpm/tpm.ts';
import { openTransport, parseTpmName } from '../tpm/transport/open.ts';
import type { SendOptions, Transport } from '../tpm/transport/transport.ts';
import type { TPMTPublic } from '../tpm/types/public.ts';
import { TPMA_NV, hex32, type LayoutProfile } from './profiles.ts';
import type { EkInfo, NvPublicInfo, TpmIdentity, TpmOps } from './tpm-ops.ts';
import { createHash } from 'node:crypto';

/** Sums the time spent waiting for the TPM, for the per-device TPM/host split. */
class TimedTransport implements Transport {
  elapsedMs = 0;
  constructor(private readonly inner: Transport) {}
  get name(): string {
    return this.inner.name;
  }
  async send(command: Uint8Array, options: SendOptions): Promise<Uint8Array> {
    const t0 = performance.now();
    try {
      return await this.inner.send(command, options);
    } finally {
      this.elapsedMs += performance.now() - t0;
    }
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** TPM_RC_HANDLE (with or without a handle number): the object or index does not exist. */
function isMissing(e: unknown): boolean {
  return e instanceof TpmError && e.baseCode === 0x08b;
}

function hierarchyOf(profile: LayoutProfile): number {
  return profile.hierarchy === 'platform' ? TPM_RH.PLATFORM : TPM_RH.OWNER;
}

function eccPoint(pub: TPMTPublic): Uint8Array {
  if (pub.type !== TPM_ALG.ECC) return new Uint8Array(0);
  const u = pub.unique as { x: Uint8Array; y: Uint8Array };
  return Uint8Array.from([4, ...leftPad(u.x, 32), ...leftPad(u.y, 32)]);
}

/** Picks the EK that names the device: the first (in TCG order) with a certificate. */
export function identityFromProbe(info: TpmInfo): TpmIdentity {
  const eks: EkInfo[] = info.ek.map((k) => ({
    type: k.type,
    spkiDer: k.publicKeySpkiDer,
    publicKeyPem: k.publicKeyPem,
    handle: k.handle === null ? undefined : Number(k.handle),
    template: k.template ?? undefined,
    certificateIndex: k.certificate ? Number(k.certificate.nvIndex) : undefined,
    certificatePem: k.certificate?.pem,
  }));
  const ek = eks.find((k) => k.certificatePem) ?? eks[0];
  if (!ek) {
    throw new Error(
      'The TPM has no endorsement key that could be read: it cannot be identified. Set it aside.',
    );
  }
  return {
    deviceId: createHash('sha256').update(Buffer.from(ek.spkiDer, 'base64')).digest('hex'),
    ek,
    eks,
    manufacturer: info.manufacturer,
    vendorStrings: info.vendorStrings,
    firmwareVersion: info.firmwareVersion,
    nvBufferMax: info.limits.nvBufferMax,
    ecdaa: info.ecdaa,
    bnP256: info.bnP256,
    platformAuthEmpty: info.auth.platformEmpty === true,
  };
}

/** The engine's TPM operations on one TPM of the TPM layer. */
export class TpmLayerOps implements TpmOps {
  readonly #tpm: Tpm;
  readonly #timer: TimedTransport;
  /** No resource manager between us and the TPM: what is loaded stays loaded. */
  readonly #exclusive: boolean;

  private constructor(tpm: Tpm, timer: TimedTransport, exclusive: boolean) {
    this.#tpm = tpm;
    this.#timer = timer;
    this.#exclusive = exclusive;
  }

  static async open(name: string, options: TpmOptions = {}): Promise<TpmLayerOps> {
    const { transport, control } = openTransport(name, options);
    const address = parseTpmName(name);
    const exclusive = address.kind === 'swtpm' || address.raw;
    const timer = new TimedTransport(transport);
    const tpm = new Tpm(timer, options, control);
    return new TpmLayerOps(tpm, timer, exclusive);
  }

  async flushLeftovers(): Promise<number[]> {
    return this.#exclusive ? this.#tpm.flushTransients() : [];
  }

  get name(): string {
    return this.#tpm.name;
  }

  get tpmMs(): number {
    return this.#timer.elapsedMs;
  }

  get tpm(): Tpm {
    return this.#tpm;
  }

  async identify(): Promise<TpmIdentity> {
    return identityFromProbe(await probeTpm(this.#tpm));
  }

  async readPersistentKey(handle: number): Promise<Uint8Array | undefined> {
    try {
      return eccPoint((await this.#tpm.ReadPublic(handle)).outPublic);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async nvPublic(index: number): Promise<NvPublicInfo | undefined> {
    try {
      const { nvPublic } = await this.#tpm.NV_ReadPublic(index);
      return { size: nvPublic.dataSize, attributes: nvPublic.attributes };
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  async createEcdaaKey(profile: LayoutProfile): Promise<{ Q: Uint8Array; name: Uint8Array }> {
    const tpm = this.#tpm;
    const hierarchy = hierarchyOf(profile);
    const primary = await tpm.CreatePrimary(hierarchy, storagePrimaryEcc({ noDA: true }));
    try {
      const created = await tpm.Create(primary.objectHandle, ecdaaKeyTemplate({ noDA: true }));
      const loaded = await tpm.Load(primary.objectHandle, created.outPrivate, created.outPublic);
      try {
        await tpm.EvictControl(hierarchy, loaded.objectHandle, profile.keyHandle);
      } finally {
        await tpm.FlushContext(loaded.objectHandle);
      }
      // The name MakeCredential binds to is computed here from the public area, not taken on
      // the TPM's word; a TPM whose Load answers another name is not to be trusted.
      const name = objectName(created.outPublic);
      if (!Buffer.from(name).equals(Buffer.from(loaded.name))) {
        throw new Error(
          'TPM2_Load answered a name that does not match the key it was given: the TPM is not behaving as a TPM should. Set it aside.',
        );
      }
      return { Q: eccPoint(created.outPublic), name };
    } finally {
      await tpm.FlushContext(primary.objectHandle);
    }
  }

  async ensureStorageRootKey(handle: number): Promise<boolean> {
    const tpm = this.#tpm;
    if ((await this.readPersistentKey(handle)) !== undefined) return true;
    try {
      const srk = await tpm.CreatePrimary(TPM_RH.OWNER, storagePrimaryEcc());
      try {
        await tpm.EvictControl(TPM_RH.OWNER, srk.objectHandle, handle);
      } finally {
        await tpm.FlushContext(srk.objectHandle);
      }
      return true;
    } catch (e) {
      // An owner password set already: the client will need it anyway; not ours to fail on.
      if (e instanceof TpmError) return false;
      throw e;
    }
  }

  async evictPersistent(profile: LayoutProfile, handle: number): Promise<void> {
    await this.#tpm.EvictControl(hierarchyOf(profile), handle, handle);
  }

  async nvUndefine(profile: LayoutProfile, index: number): Promise<void> {
    await this.#tpm.NV_UndefineSpace(hierarchyOf(profile), index);
  }

  async nvDefineAndWrite(
    profile: LayoutProfile,
    index: number,
    data: Uint8Array,
    lock: boolean,
  ): Promise<void> {
    const tpm = this.#tpm;
    const hierarchy = hierarchyOf(profile);
    await tpm.NV_DefineSpace(hierarchy, {
      nvIndex: index,
      nameAlg: TPM_ALG.SHA256,
      attributes: profile.nvAttributes | (lock ? TPMA_NV.WRITEDEFINE : 0),
      authPolicy: new Uint8Array(),
      dataSize: data.length,
    });
    await tpm.NV_Write(hierarchy, index, data);
    if (lock) await tpm.NV_WriteLock(hierarchy, index);
  }

  async nvRead(index: number): Promise<Uint8Array> {
    const { nvPublic } = await this.#tpm.NV_ReadPublic(index);
    return this.#tpm.NV_Read(index, index, nvPublic.dataSize, 0, { auth: EMPTY_AUTH });
  }

  async ekBinding(
    keyHandle: number,
    keyName: Uint8Array,
    ek: EkInfo,
  ): Promise<{ ok: boolean; method: string; detail?: string }> {
    const tpm = this.#tpm;
    // Policy A EKs (the low range) take PolicySecret(TPM_RH_ENDORSEMENT) alone.
    let ekHandle = ek.handle;
    let transient = false;
    if (ekHandle === undefined) {
      const profile = EK_PROFILES.find((p) => p.template === ek.template);
      if (!profile?.publicTemplate) {
        return { ok: false, method: 'none', detail: `no template known for EK ${ek.type}` };
      }
      ekHandle = (await tpm.CreatePrimary(TPM_RH.ENDORSEMENT, profile.publicTemplate()))
        .objectHandle;
      transient = true;
    }
    const method = `MakeCredential/ActivateCredential with the ${ek.type} EK`;
    try {
      const { outPublic } = await tpm.ReadPublic(ekHandle);
      // The credential goes to the EK the device was identified (and its certificate checked)
      // by, never to whatever key the TPM now shows at that handle.
      const certified = Buffer.from(ek.spkiDer, 'base64');
      if (!certified.equals(Buffer.from(publicKeySpki(outPublic)))) {
        return {
          ok: false,
          method,
          detail: `the key at EK handle ${hex32(ekHandle)} is not the EK the device was identified by`,
        };
      }
      const secret = new Uint8Array(randomBytes(32));
      const made = makeCredential(outPublic, secret, keyName);
      const session = await tpm.StartAuthSession(TPM_SE.POLICY, outPublic.nameAlg);
      try {
        await tpm.PolicySecret(TPM_RH.ENDORSEMENT, session);
        const recovered = await tpm.ActivateCredential(
          keyHandle,
          ekHandle,
          made.credentialBlob,
          made.secret,
          { activateAuth: EMPTY_AUTH, keyAuth: session },
        );
        const ok = Buffer.from(recovered).equals(Buffer.from(secret));
        return ok ? { ok, method } : { ok, method, detail: 'the TPM recovered another secret' };
      } finally {
        await tpm.FlushContext(session.handle).catch(() => undefined);
      }
    } catch (e) {
      if (e instanceof TpmError) return { ok: false, method, detail: e.message };
      throw e;
    } finally {
      if (transient) await tpm.FlushContext(ekHandle).catch(() => undefined);
    }
  }

  signer(keyHandle: number) {
    return createEcdaaTpmSigner(this.#tpm, keyHandle);
  }

  async close(): Promise<void> {
    await this.#tpm.close();
  }
}

/** Opens a TPM by name for the engine. */
export function openTpmOps(name: string, options?: TpmOptions): Promise<TpmOps> {
  return TpmLayerOps.open(name, options);
}
