/**
 * One TPM: a method per Part 3 command (named as in the spec), one command in flight at a
 * time, per-command timeouts sized for slow real chips, bounded retries on the TPM's own
 * warnings (RETRY, YIELDED, TESTING), cancellation, and reconnection after a transport error.
 */
import crypto from 'node:crypto';
import {
  buildCommand,
  decodeParams,
  encodeParams,
  parseResponse,
  type AuthCommand,
  type CommandDef,
} from './command.ts';
import * as cmd from './commands/index.ts';
import {
  TPM_ALG,
  TPM_CAP,
  TPM_HT,
  TPM_PT,
  TPM_RH,
  TPM_SE,
  TPM_ST,
  TPM_SU,
  handleType,
} from './constants.ts';
import { digestSize } from './crypto.ts';
import { MarshalError, TpmError, TpmFormatError } from './errors.ts';
import { RETRYABLE_CODES } from './rc.ts';
import {
  EMPTY_AUTH,
  PolicySession,
  cpHash,
  passwordCommand,
  rpHash,
  type Authorization,
} from './session.ts';
import { openTransport, type TransportOptions } from './transport/open.ts';
import type { SwtpmControl } from './transport/socket.ts';
import type { Transport } from './transport/transport.ts';
import type { TPMSCapabilityData } from './types/capability.ts';
import type { TPMSNVPublic } from './types/nv.ts';
import {
  SCHEME_NULL,
  SYM_NULL,
  type TPMSECCPoint,
  type TPMTPublic,
  type TPMTScheme,
  type TPMTTicket,
} from './types/public.ts';
import type { TPMTSignature } from './types/signature.ts';

/** Milliseconds. Real chips take seconds for RSA key generation and up to minutes worst case. */
export const DEFAULT_TIMEOUTS: Readonly<Record<string, number>> = {
  CreatePrimary: 300_000,
  Create: 300_000,
  SelfTest: 120_000,
  Startup: 60_000,
};
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface RetryOptions {
  /** Attempts in all, the first included (default 12). */
  maxAttempts?: number;
  /** First delay; doubles per attempt up to maxDelayMs (defaults 10 ms and 1 s). */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export interface TpmOptions extends TransportOptions {
  /** Timeout of commands not listed in `timeouts` (default 30 s). */
  timeoutMs?: number;
  /** Per-command timeouts by Part 3 name, e.g. `{ CreatePrimary: 600_000 }`. */
  timeouts?: Record<string, number>;
  retry?: RetryOptions;
  /** Chunk size for NV reads and writes; read from the TPM (TPM_PT_NV_BUFFER_MAX) if unset. */
  nvBufferMax?: number;
}

/** A handle in a command's handle area, with its authorization if it needs one. */
export interface HandleArg {
  handle: number;
  auth?: Authorization;
}

export interface CreateOptions {
  /** Authorization of the parent or hierarchy (default: empty password). */
  auth?: Authorization;
  /** The new object's authValue (default: empty). */
  userAuth?: Uint8Array;
  /** Sealed data (keyed-hash objects only). */
  data?: Uint8Array;
  outsideInfo?: Uint8Array;
}

/** The parameters TPM2_Create and TPM2_CreatePrimary share (no creation PCRs). */
function createParams(inPublic: TPMTPublic, options: CreateOptions) {
  return {
    inSensitive: {
      userAuth: options.userAuth ?? new Uint8Array(),
      data: options.data ?? new Uint8Array(),
    },
    inPublic,
    outsideInfo: options.outsideInfo ?? new Uint8Array(),
    creationPCR: [],
  };
}

export class Tpm {
  readonly name: string;
  /** The swtpm control channel when the TPM is an swtpm. */
  readonly control: SwtpmControl | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Shared by the commands until one is canceled (a controller per command costs more than swtpm's reply). */
  private abort: AbortController | null = null;
  private nvMax: number | undefined;
  private closed = false;

  constructor(
    readonly transport: Transport,
    private readonly options: TpmOptions = {},
    control?: SwtpmControl,
  ) {
    this.name = transport.name;
    this.control = control;
    this.nvMax = options.nvBufferMax;
  }

  /** Runs `fn` with the TPM to itself: commands from elsewhere wait until it finishes. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Aborts the command in flight (it fails with a TpmTransportError); later ones still run. */
  cancel(): void {
    this.abort?.abort();
    this.abort = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cancel();
    await this.queue;
    await this.transport.close();
  }

  private timeoutFor(name: string): number {
    return (
      this.options.timeouts?.[name] ??
      DEFAULT_TIMEOUTS[name] ??
      this.options.timeoutMs ??
      DEFAULT_TIMEOUT_MS
    );
  }

  /** Sends one command, resending on RETRY/YIELDED/TESTING with bounded exponential backoff. */
  private async transact(name: string, command: Uint8Array): Promise<Uint8Array> {
    if (this.closed) throw new Error(`${this.name} is closed`);
    const maxAttempts = this.options.retry?.maxAttempts ?? 12;
    let delay = this.options.retry?.firstDelayMs ?? 10;
    const maxDelay = this.options.retry?.maxDelayMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      this.abort ??= new AbortController();
      const response = await this.transport.send(command, {
        timeoutMs: this.timeoutFor(name),
        signal: this.abort.signal,
        command: name,
      });
      const rc =
        response.length >= 10 ? new DataView(response.buffer, response.byteOffset).getUint32(6) : 0;
      if (!RETRYABLE_CODES.has(rc) || attempt >= maxAttempts) return response;
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, maxDelay);
    }
  }

  /**
   * Runs one command without taking the queue (callers hold it through `exclusive`): builds
   * the authorization area, sends, checks every part of the response and decodes it.
   */
  async call<P, R>(
    def: CommandDef<P, R>,
    handles: HandleArg[],
    params: P,
  ): Promise<{ handles: number[]; response: R }> {
    if (handles.length !== def.handles.length) {
      throw new Error(
        `TPM2_${def.name} takes ${def.handles.length} handles, got ${handles.length}`,
      );
    }
    const paramBytes = encodeParams(def, params);
    const sessions = handles.slice(0, def.authHandles).map((h) => h.auth ?? EMPTY_AUTH);
    let names: Uint8Array[] | undefined;
    const auths: AuthCommand[] = [];
    for (const s of sessions) {
      if (s.kind === 'password') {
        auths.push(passwordCommand(s));
        continue;
      }
      names ??= await this.namesOf(handles.map((h) => h.handle));
      auths.push(s.authorize(cpHash(s.authHash, def.code, names, paramBytes)));
    }
    const bytes = buildCommand(
      def.code,
      handles.map((h) => h.handle),
      auths,
      paramBytes,
    );
    const raw = await this.transact(def.name, bytes);
    const parsed = parseResponse(def.name, raw, def.responseHandles.length, auths.length);
    if (parsed.responseCode !== 0) throw new TpmError(def.name, parsed.responseCode);
    sessions.forEach((s, i) => {
      if (s.kind !== 'policy') return;
      try {
        s.accept(parsed.auths[i]!, rpHash(s.authHash, def.code, parsed.params));
      } catch (e) {
        if (e instanceof MarshalError) throw new TpmFormatError(def.name, e.message);
        throw e;
      }
    });
    return { handles: parsed.handles, response: decodeParams(def, parsed.params) };
  }

  private run<P, R>(
    def: CommandDef<P, R>,
    handles: HandleArg[],
    params: P,
  ): Promise<{ handles: number[]; response: R }> {
    return this.exclusive(() => this.call(def, handles, params));
  }

  /** Names of handles for cpHash (Part 1 §16): read from the TPM for objects and NV indexes. */
  private async namesOf(handles: number[]): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const h of handles) {
      const t = handleType(h);
      if (t === TPM_HT.TRANSIENT || t === TPM_HT.PERSISTENT) {
        out.push((await this.call(cmd.ReadPublic, [{ handle: h }], {})).response.name);
      } else if (t === TPM_HT.NV_INDEX) {
        out.push((await this.call(cmd.NV_ReadPublic, [{ handle: h }], {})).response.nvName);
      } else {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, h);
        out.push(b);
      }
    }
    return out;
  }

  // ---- Part 3 chapter 9–10: start-up and testing ----

  /** TPM2_Startup (§9.3). */
  async Startup(startupType: number = TPM_SU.CLEAR): Promise<void> {
    await this.run(cmd.Startup, [], { startupType });
  }

  /** TPM2_Shutdown (§9.4). */
  async Shutdown(shutdownType: number = TPM_SU.CLEAR): Promise<void> {
    await this.run(cmd.Shutdown, [], { shutdownType });
  }

  /** TPM2_SelfTest (§10.2). */
  async SelfTest(fullTest = false): Promise<void> {
    await this.run(cmd.SelfTest, [], { fullTest });
  }

  /**
   * Sends TPM2_Startup(CLEAR) and accepts TPM_RC_INITIALIZE (already started): for a TPM
   * fresh from power-on or from swtpm's `init`; the kernel starts /dev/tpmrm TPMs itself.
   */
  async ensureStarted(): Promise<void> {
    try {
      await this.Startup(TPM_SU.CLEAR);
    } catch (e) {
      if (!(e instanceof TpmError && e.code === 0x100)) throw e;
    }
  }

  // ---- chapter 16: random numbers ----

  /** TPM2_GetRandom (§16.1), repeated until `count` bytes arrived. */
  async GetRandom(count: number): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const out = new Uint8Array(count);
      let at = 0;
      while (at < count) {
        const want = Math.min(count - at, 32);
        const { response } = await this.call(cmd.GetRandom, [], { bytesRequested: want });
        const got = response.randomBytes;
        if (got.length === 0 || got.length > want) {
          throw new TpmFormatError('GetRandom', `asked for ${want} bytes, got ${got.length}`);
        }
        out.set(got, at);
        at += got.length;
      }
      return out;
    });
  }

  // ---- chapter 30: capabilities ----

  /** TPM2_GetCapability (§30.2), one call. */
  async GetCapability(
    capability: number,
    property: number,
    propertyCount: number,
  ): Promise<{ moreData: boolean; capabilityData: TPMSCapabilityData }> {
    const { response } = await this.run(cmd.GetCapability, [], {
      capability,
      property,
      propertyCount,
    });
    if (response.capabilityData.capability !== capability) {
      throw new TpmFormatError(
        'GetCapability',
        `asked for capability ${capability}, got ${response.capabilityData.capability}`,
      );
    }
    return response;
  }

  /** Every TPM property from `first` on (following moreData), as property → value. */
  async getProperties(
    first: number = TPM_PT.FAMILY_INDICATOR,
    last = 0x2ff,
  ): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    let next = first;
    for (let round = 0; round < 64 && next <= last; round++) {
      const r = await this.GetCapability(TPM_CAP.TPM_PROPERTIES, next, last - next + 1);
      if (r.capabilityData.capability !== TPM_CAP.TPM_PROPERTIES) break;
      const props = r.capabilityData.tpmProperties;
      for (const p of props) if (p.property <= last) out.set(p.property, p.value);
      if (!r.moreData || props.length === 0) break;
      const lastSeen = props[props.length - 1]!.property;
      if (lastSeen < next) break;
      next = lastSeen + 1;
    }
    return out;
  }

  /**
   * Every handle of one type (e.g. 0x81000000 for persistent objects), following moreData.
   * 0x02000000 lists the loaded sessions, HMAC (0x02…) and policy (0x03…) alike;
   * 0x03000000 lists the saved ones.
   */
  async getHandles(first: number, last = (first | 0x00ffffff) >>> 0): Promise<number[]> {
    const sessions = first >>> 24 === TPM_HT.HMAC_SESSION || first >>> 24 === TPM_HT.POLICY_SESSION;
    const out: number[] = [];
    let next = first;
    for (let round = 0; round < 256 && next <= last; round++) {
      const r = await this.GetCapability(TPM_CAP.HANDLES, next, 256);
      if (r.capabilityData.capability !== TPM_CAP.HANDLES) break;
      if (sessions) {
        out.push(...r.capabilityData.handles);
        break;
      }
      const hs = r.capabilityData.handles.filter((h) => h >= next && h <= last);
      out.push(...hs);
      if (!r.moreData || hs.length === 0) break;
      next = hs[hs.length - 1]! + 1;
    }
    return out;
  }

  /**
   * Flushes every loaded transient object and session: after a crash, on a TPM without a
   * resource manager (swtpm, a raw device), whatever the dead process loaded stays loaded
   * and the next Create fails with TPM_RC_OBJECT_MEMORY. Returns the handles flushed.
   * Never use it while another process shares the TPM.
   */
  async flushTransients(): Promise<number[]> {
    return this.exclusive(async () => {
      const flushed: number[] = [];
      for (const first of [TPM_HT.TRANSIENT << 24, TPM_HT.HMAC_SESSION << 24]) {
        const { response } = await this.call(cmd.GetCapability, [], {
          capability: TPM_CAP.HANDLES,
          property: first >>> 0,
          propertyCount: 256,
        });
        if (response.capabilityData.capability !== TPM_CAP.HANDLES) continue;
        for (const h of response.capabilityData.handles) {
          await this.call(cmd.FlushContext, [], { flushHandle: h });
          flushed.push(h);
        }
      }
      return flushed;
    });
  }

  /** TPM_PT_NV_BUFFER_MAX: the most bytes one NV_Read or NV_Write moves (768 on many chips). */
  async nvBufferMax(): Promise<number> {
    return this.exclusive(() => this.nvChunk());
  }

  /** nvBufferMax for callers already holding the queue. */
  private async nvChunk(): Promise<number> {
    if (this.nvMax === undefined) {
      const { response } = await this.call(cmd.GetCapability, [], {
        capability: TPM_CAP.TPM_PROPERTIES,
        property: TPM_PT.NV_BUFFER_MAX,
        propertyCount: 1,
      });
      const data = response.capabilityData;
      const p =
        data.capability === TPM_CAP.TPM_PROPERTIES
          ? data.tpmProperties.find((x) => x.property === TPM_PT.NV_BUFFER_MAX)
          : undefined;
      // Without an answer, 512 is below every real chip's limit.
      this.nvMax = p && p.value > 0 ? Math.min(p.value, 4096) : 512;
    }
    return this.nvMax;
  }

  // ---- chapter 11 and 23: sessions and policies ----

  /**
   * TPM2_StartAuthSession (§11.1): an unbound, unsalted policy (or trial) session. Flush it
   * with FlushContext, or send it once without continueSession.
   */
  async StartAuthSession(
    sessionType: number = TPM_SE.POLICY,
    authHash: number = TPM_ALG.SHA256,
  ): Promise<PolicySession> {
    const nonceCaller = new Uint8Array(crypto.randomBytes(digestSize(authHash)));
    const { handles, response } = await this.run(
      cmd.StartAuthSession,
      [{ handle: TPM_RH.NULL }, { handle: TPM_RH.NULL }],
      {
        nonceCaller,
        encryptedSalt: new Uint8Array(),
        sessionType,
        symmetric: SYM_NULL,
        authHash,
      },
    );
    return new PolicySession(handles[0]!, authHash, response.nonceTPM, nonceCaller, null, true);
  }

  /** TPM2_PolicySecret (§23.4): the policy now requires the authorization of `authHandle`. */
  async PolicySecret(
    authHandle: number,
    session: PolicySession,
    options: {
      auth?: Authorization;
      expiration?: number;
      policyRef?: Uint8Array;
      cpHashA?: Uint8Array;
    } = {},
  ): Promise<{ timeout: Uint8Array; policyTicket: TPMTTicket }> {
    const { response } = await this.run(
      cmd.PolicySecret,
      [{ handle: authHandle, auth: options.auth ?? EMPTY_AUTH }, { handle: session.handle }],
      {
        nonceTPM: options.expiration ? session.currentNonceTPM : new Uint8Array(),
        cpHashA: options.cpHashA ?? new Uint8Array(),
        policyRef: options.policyRef ?? new Uint8Array(),
        expiration: options.expiration ?? 0,
      },
    );
    return response;
  }

  /** TPM2_PolicyCommandCode (§23.11). */
  async PolicyCommandCode(session: PolicySession, code: number): Promise<void> {
    await this.run(cmd.PolicyCommandCode, [{ handle: session.handle }], { code });
  }

  // ---- chapter 12 and 24: objects and primaries ----

  /** TPM2_CreatePrimary (§24.1) in `primaryHandle`'s hierarchy. */
  async CreatePrimary(primaryHandle: number, inPublic: TPMTPublic, options: CreateOptions = {}) {
    const { handles, response } = await this.run(
      cmd.CreatePrimary,
      [{ handle: primaryHandle, auth: options.auth }],
      createParams(inPublic, options),
    );
    return { objectHandle: handles[0]!, ...response };
  }

  /** TPM2_Create (§12.1) under a loaded storage parent. */
  async Create(parentHandle: number, inPublic: TPMTPublic, options: CreateOptions = {}) {
    const { response } = await this.run(
      cmd.Create,
      [{ handle: parentHandle, auth: options.auth }],
      createParams(inPublic, options),
    );
    return response;
  }

  /** TPM2_Load (§12.2). */
  async Load(
    parentHandle: number,
    inPrivate: Uint8Array,
    inPublic: TPMTPublic,
    options: { auth?: Authorization } = {},
  ): Promise<{ objectHandle: number; name: Uint8Array }> {
    const { handles, response } = await this.run(
      cmd.Load,
      [{ handle: parentHandle, auth: options.auth }],
      {
        inPrivate,
        inPublic,
      },
    );
    return { objectHandle: handles[0]!, name: response.name };
  }

  /** TPM2_ReadPublic (§12.4). */
  async ReadPublic(objectHandle: number) {
    return (await this.run(cmd.ReadPublic, [{ handle: objectHandle }], {})).response;
  }

  /**
   * TPM2_ActivateCredential (§12.5). `activateAuth` authorizes the object being certified
   * (ADMIN role), `keyAuth` the decrypting key (for an EK: a policy session satisfying
   * PolicySecret(TPM_RH_ENDORSEMENT)).
   */
  async ActivateCredential(
    activateHandle: number,
    keyHandle: number,
    credentialBlob: Uint8Array,
    secret: Uint8Array,
    options: { activateAuth?: Authorization; keyAuth?: Authorization } = {},
  ): Promise<Uint8Array> {
    const { response } = await this.run(
      cmd.ActivateCredential,
      [
        { handle: activateHandle, auth: options.activateAuth },
        { handle: keyHandle, auth: options.keyAuth },
      ],
      { credentialBlob, secret },
    );
    return response.certInfo;
  }

  // ---- chapter 19–20: ECDAA commit and sign ----

  /** TPM2_Commit (§19.2). Absent K/L/E come back as `undefined`. */
  async Commit(
    signHandle: number,
    args: { P1?: TPMSECCPoint; s2?: Uint8Array; y2?: Uint8Array },
    options: { auth?: Authorization } = {},
  ): Promise<{ K?: TPMSECCPoint; L?: TPMSECCPoint; E?: TPMSECCPoint; counter: number }> {
    const { response } = await this.run(cmd.Commit, [{ handle: signHandle, auth: options.auth }], {
      P1: args.P1,
      s2: args.s2 ?? new Uint8Array(),
      y2: args.y2 ?? new Uint8Array(),
    });
    return response;
  }

  /** TPM2_Sign (§20.2) of a digest; the validation ticket defaults to the NULL ticket. */
  async Sign(
    keyHandle: number,
    digest: Uint8Array,
    inScheme: TPMTScheme = SCHEME_NULL,
    options: { auth?: Authorization; validation?: TPMTTicket } = {},
  ): Promise<TPMTSignature> {
    const validation = options.validation ?? {
      tag: TPM_ST.HASHCHECK,
      hierarchy: TPM_RH.NULL,
      digest: new Uint8Array(),
    };
    const { response } = await this.run(cmd.Sign, [{ handle: keyHandle, auth: options.auth }], {
      digest,
      inScheme,
      validation,
    });
    return response.signature;
  }

  // ---- chapter 28: context management ----

  /** TPM2_FlushContext (§28.4): frees a transient object or a session. */
  async FlushContext(flushHandle: number): Promise<void> {
    await this.run(cmd.FlushContext, [], { flushHandle });
  }

  /**
   * TPM2_EvictControl (§28.5): with a transient `objectHandle`, persists it at
   * `persistentHandle`; with a persistent one, evicts it.
   */
  async EvictControl(
    auth: number,
    objectHandle: number,
    persistentHandle: number,
    options: { auth?: Authorization } = {},
  ): Promise<void> {
    await this.run(
      cmd.EvictControl,
      [{ handle: auth, auth: options.auth }, { handle: objectHandle }],
      {
        persistentHandle,
      },
    );
  }

  // ---- chapter 31: NV storage ----

  /** TPM2_NV_DefineSpace (§31.3). */
  async NV_DefineSpace(
    authHandle: number,
    publicInfo: TPMSNVPublic,
    options: { auth?: Authorization; indexAuth?: Uint8Array } = {},
  ): Promise<void> {
    await this.run(cmd.NV_DefineSpace, [{ handle: authHandle, auth: options.auth }], {
      auth: options.indexAuth ?? new Uint8Array(),
      publicInfo,
    });
  }

  /** TPM2_NV_UndefineSpace (§31.4). */
  async NV_UndefineSpace(
    authHandle: number,
    nvIndex: number,
    options: { auth?: Authorization } = {},
  ) {
    await this.run(
      cmd.NV_UndefineSpace,
      [{ handle: authHandle, auth: options.auth }, { handle: nvIndex }],
      {},
    );
  }

  /**
   * TPM2_NV_UndefineSpaceSpecial (§31.5) for an index with TPMA_NV_POLICY_DELETE: `policy`
   * must satisfy the index's authPolicy (which includes PolicyCommandCode of this command).
   */
  async NV_UndefineSpaceSpecial(
    nvIndex: number,
    policy: PolicySession,
    options: { platformAuth?: Authorization } = {},
  ): Promise<void> {
    await this.run(
      cmd.NV_UndefineSpaceSpecial,
      [
        { handle: nvIndex, auth: policy },
        { handle: TPM_RH.PLATFORM, auth: options.platformAuth },
      ],
      {},
    );
  }

  /** TPM2_NV_ReadPublic (§31.6). */
  async NV_ReadPublic(nvIndex: number): Promise<{ nvPublic: TPMSNVPublic; nvName: Uint8Array }> {
    return (await this.run(cmd.NV_ReadPublic, [{ handle: nvIndex }], {})).response;
  }

  /**
   * TPM2_NV_Write (§31.7), as many times as NV_BUFFER_MAX requires; the chunks go out back
   * to back, with no other command between them.
   */
  async NV_Write(
    authHandle: number,
    nvIndex: number,
    data: Uint8Array,
    offset = 0,
    options: { auth?: Authorization } = {},
  ): Promise<void> {
    await this.exclusive(async () => {
      const chunk = await this.nvChunk();
      let at = 0;
      do {
        const part = data.subarray(at, at + chunk);
        await this.call(
          cmd.NV_Write,
          [{ handle: authHandle, auth: options.auth }, { handle: nvIndex }],
          {
            data: part,
            offset: offset + at,
          },
        );
        at += part.length;
      } while (at < data.length);
    });
  }

  /** TPM2_NV_Read (§31.13), chunked by NV_BUFFER_MAX like NV_Write. */
  async NV_Read(
    authHandle: number,
    nvIndex: number,
    size: number,
    offset = 0,
    options: { auth?: Authorization } = {},
  ): Promise<Uint8Array> {
    return this.exclusive(async () => {
      const chunk = await this.nvChunk();
      const out = new Uint8Array(size);
      let at = 0;
      while (at < size) {
        const want = Math.min(chunk, size - at);
        const { response } = await this.call(
          cmd.NV_Read,
          [{ handle: authHandle, auth: options.auth }, { handle: nvIndex }],
          { size: want, offset: offset + at },
        );
        if (response.data.length !== want) {
          throw new TpmFormatError(
            'NV_Read',
            `asked for ${want} bytes, got ${response.data.length}`,
          );
        }
        out.set(response.data, at);
        at += want;
      }
      return out;
    });
  }

  /** TPM2_NV_WriteLock (§31.11). */
  async NV_WriteLock(authHandle: number, nvIndex: number, options: { auth?: Authorization } = {}) {
    await this.run(
      cmd.NV_WriteLock,
      [{ handle: authHandle, auth: options.auth }, { handle: nvIndex }],
      {},
    );
  }
}

/**
 * Opens a TPM by name (docs/tpm.md): `device:/dev/tpmrm0`, `swtpm:tcp://127.0.0.1:2321`,
 * `swtpm:unix:/path/to/socket`. Nothing is sent yet: the first command connects.
 */
export async function openTpm(name: string, options: TpmOptions = {}): Promise<Tpm> {
  const { transport, control } = openTransport(name, options);
  return new Tpm(transport, options, control);
}
