import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { bytesEqual, toHex } from './encoding.ts';
import { parseFacilityPublicKey, type FacilityPublicKey } from './facility-key.ts';
import { es256VerifyDigest, verifyCompactJws } from './jws.ts';
import { MerkleRootBuilder } from './merkle.ts';
import {
  decodeGroup,
  decodeProvisioned,
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_TYP,
  SIZES,
  TREE_HEAD_FORMAT,
  TREE_HEAD_TYP,
} from './records.ts';
import { readEnvelope, readPayload, ManifestFormatError, type Envelope } from './reader.ts';
import { validateProvisioned, validateRejected, validateSkeleton } from './schema.ts';
import type { ManifestCounts, ManifestGroup } from './types.ts';

/**
 * The offline verifier: needs the manifest file and the facility public key, nothing else. It
 * checks the JWS signature, the envelope and payload are canonical, the schema, the counts,
 * duplicates, the Merkle root and its signed tree head, the issuer proof, and for every
 * device the join proof, the credential and the self-test signature (pairings, on the worker
 * threads of an `EcdaaVerifier` such as `CryptoPool`).
 */

/** The ECDAA checks the verifier needs; `CryptoPool` (src/crypto/pool.ts) implements them. */
export interface EcdaaVerifier {
  verifyIssuerPublicKey(ipk: Uint8Array): Promise<boolean>;
  verifyMemberPublicKey(memberPk: Uint8Array, nonce: Uint8Array): Promise<boolean>;
  /** Resolves to the failed check's description, or null when the credential holds. */
  checkCredential(
    credential: Uint8Array,
    credentialSignature: Uint8Array,
    memberPk: Uint8Array,
    gpk: Uint8Array,
  ): Promise<string | null>;
  /** Resolves to the failed check's description, or null when the signature holds. */
  checkSignature(
    signature: Uint8Array,
    message: Uint8Array,
    gpk: Uint8Array,
    basename?: Uint8Array,
  ): Promise<string | null>;
  close?(): Promise<void>;
}

export interface VerifyFailure {
  /** Device id (or `#index` when the record has none) for device-level failures. */
  device?: string;
  /** The field that failed, as a path in the payload (`signature`, `merkle.root`, `credential`…). */
  field: string;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  file: string;
  /** The file could not be read as a manifest at all (not JSON, truncated, unknown version…). */
  malformed: boolean;
  kid?: string;
  /** Where the key came from: given by the caller, or found beside the manifest. */
  keySource: 'given' | 'beside-manifest' | 'none';
  batch?: { id: string; name: string; product: string; status: string };
  issuedAt?: string;
  counts: { stated?: ManifestCounts; provisioned: number; rejected: number };
  merkleRoot?: string;
  /** Whether join proofs, credentials and self-test signatures were checked. */
  ecdaaChecked: boolean;
  failures: VerifyFailure[];
  /** All failures found; `failures` holds at most `maxFailures` of them. */
  failureCount: number;
  bytes: number;
  seconds: number;
}

export interface VerifyOptions {
  /** Trusted facility public keys (current and retired); the one matching the kid is used. */
  key?: FacilityPublicKey | FacilityPublicKey[];
  /** ECDAA checks on worker threads. Without one, a CryptoPool is started and closed. */
  pool?: EcdaaVerifier;
  /** Skip the per-device pairing checks (structure, signature and Merkle only). */
  skipEcdaa?: boolean;
  maxBytes?: number;
  maxFailures?: number;
  /** ECDAA checks in flight at once (bounds memory while the file streams). */
  concurrency?: number;
  onProgress?: (devicesRead: number) => void;
}

/** The facility key file that `writeExport` puts beside the manifest. */
export const FACILITY_KEY_FILE = 'facility-key.pem';

async function defaultPool(): Promise<EcdaaVerifier> {
  const { CryptoPool } = await import('../crypto/pool.ts');
  return new CryptoPool();
}

function shortKey(text: string): string {
  return text.length <= 24 ? text : createHash('sha256').update(text).digest('base64').slice(0, 22);
}

export async function verifyManifestFile(
  file: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const started = performance.now();
  const maxFailures = options.maxFailures ?? 1000;
  const report: VerifyReport = {
    ok: false,
    file,
    malformed: false,
    keySource: 'none',
    counts: { provisioned: 0, rejected: 0 },
    ecdaaChecked: false,
    failures: [],
    failureCount: 0,
    bytes: 0,
    seconds: 0,
  };
  const fail = (field: string, reason: string, device?: string) => {
    report.failureCount++;
    if (report.failures.length < maxFailures) {
      report.failures.push(device === undefined ? { field, reason } : { device, field, reason });
    }
  };

  let ownPool: EcdaaVerifier | undefined;
  try {
    const envelope = await readEnvelope(file, options.maxBytes);
    report.bytes = envelope.fileBytes;
    report.kid = envelope.header.kid;
    if (envelope.header.typ !== MANIFEST_TYP) {
      throw new ManifestFormatError(
        `${file} is a JWS of type '${envelope.header.typ}', not a ZTP batch manifest ('${MANIFEST_TYP}')`,
      );
    }
    if (!envelope.canonical) {
      fail(
        'envelope',
        'the JWS JSON was re-serialized after signing (whitespace or member order changed)',
      );
    }
    const key = await resolveKey(file, envelope, options, report, fail);

    let pool = options.pool;
    if (!options.skipEcdaa && !pool) pool = ownPool = await defaultPool();
    report.ecdaaChecked = !options.skipEcdaa;
    const checker = new DeviceChecker(options.skipEcdaa ? undefined : pool, fail, {
      concurrency: options.concurrency ?? 16,
    });

    const result = await readPayload(file, envelope, {
      onMember: (k, v) => checker.onMember(k, v),
      onItem: (member, index, value, raw) => {
        if (member === 'provisioned') checker.onProvisioned(index, value, raw);
        else checker.onRejected(index, value, raw);
        options.onProgress?.(checker.devicesRead);
      },
      afterChunk: () => checker.drain(false),
    });
    await checker.drain(true);

    if (key && !es256VerifyDigest(key.point, result.signingDigest, envelope.signature)) {
      fail(
        'signature',
        'the JWS signature does not hold: the manifest was modified or signed by another key',
      );
    }
    checker.finish(result.top, key, envelope);
    if (
      result.whitespaceBytes > 0 ||
      Buffer.from(result.skeleton).toString('utf8') !== canonicalJson(result.top)
    ) {
      fail('payload', 'the payload is not RFC 8785 canonical JSON');
    }
    await checker.drain(true);
    const top = result.top as Record<string, JsonValue>;
    const batch = top.batch as Record<string, string> | undefined;
    if (batch) {
      report.batch = {
        id: batch.id!,
        name: batch.name!,
        product: batch.product!,
        status: batch.status!,
      };
    }
    report.issuedAt = typeof top.issuedAt === 'string' ? top.issuedAt : undefined;
    report.counts = {
      stated: top.counts as unknown as ManifestCounts,
      provisioned: checker.provisionedCount,
      rejected: checker.rejectedCount,
    };
    report.merkleRoot = toHex(checker.merkle.root());
  } catch (e) {
    if (!(e instanceof ManifestFormatError)) throw e;
    report.malformed = true;
    fail('file', e.message);
  } finally {
    await ownPool?.close?.();
  }
  report.ok = report.failureCount === 0;
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

async function resolveKey(
  file: string,
  envelope: Envelope,
  options: VerifyOptions,
  report: VerifyReport,
  fail: (field: string, reason: string) => void,
): Promise<FacilityPublicKey | undefined> {
  const kid = envelope.header.kid;
  if (options.key !== undefined) {
    const keys = Array.isArray(options.key) ? options.key : [options.key];
    report.keySource = 'given';
    const key = keys.find((k) => k.thumbprint === kid);
    if (!key) {
      fail(
        'signature',
        `signed by facility key ${kid}, which is not the given key (${keys.map((k) => k.thumbprint).join(', ')})`,
      );
    }
    return key;
  }
  const beside = path.join(path.dirname(file), FACILITY_KEY_FILE);
  let text: string;
  try {
    text = await readFile(beside, 'utf8');
  } catch {
    fail(
      'signature',
      `no facility public key to check the signature with: pass --key (PEM or JWK); the manifest names key ${kid}`,
    );
    return undefined;
  }
  try {
    const key = parseFacilityPublicKey(text, kid);
    report.keySource = 'beside-manifest';
    if (key.thumbprint !== kid) {
      fail('signature', `signed by facility key ${kid}, but ${beside} holds key ${key.thumbprint}`);
      return undefined;
    }
    return key;
  } catch (e) {
    fail('signature', `${beside}: ${(e as Error).message}`);
    return undefined;
  }
}

interface Pending {
  kind: 'provisioned' | 'rejected';
  index: number;
  value: JsonValue;
  raw: Uint8Array;
}

/** Per-device checks, in manifest order, with ECDAA checks kept to a bounded window. */
class DeviceChecker {
  readonly merkle = new MerkleRootBuilder();
  provisionedCount = 0;
  rejectedCount = 0;
  private readonly outcomes = { failed: 0, setAside: 0, rolledBack: 0 };
  private readonly queue: Pending[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private readonly seen = {
    deviceId: new Map<string, string>(),
    memberPublicKey: new Map<string, string>(),
    credential: new Map<string, string>(),
    joinNonce: new Map<string, string>(),
    ekPublic: new Map<string, string>(),
    /** Devices listed as failed or set aside. */
    rejectedId: new Map<string, string>(),
  };
  private group: ManifestGroup | undefined;
  private operators: Set<string> | undefined;
  private formatChecked = false;

  constructor(
    private readonly pool: EcdaaVerifier | undefined,
    private readonly fail: (field: string, reason: string, device?: string) => void,
    private readonly options: { concurrency: number },
  ) {}

  get devicesRead(): number {
    return this.provisionedCount + this.rejectedCount;
  }

  onMember(key: string, value: JsonValue): void {
    if (key === 'format') this.checkFormat(value);
    if (key === 'group') {
      try {
        this.group = decodeGroup(value);
      } catch {
        // The schema check at the end names what is wrong with it.
      }
    }
    if (key === 'operators' && Array.isArray(value)) {
      this.operators = new Set(
        value
          .map((o) => (o as Record<string, string> | null)?.name)
          .filter((n) => typeof n === 'string'),
      );
    }
  }

  /** An unknown version is fatal: its fields cannot be checked by version-1 rules. */
  private checkFormat(value: JsonValue): void {
    this.formatChecked = true;
    const f = value as { name?: unknown; version?: unknown } | null;
    if (f?.name !== FORMAT_NAME) {
      throw new ManifestFormatError(
        `the payload's format is ${JSON.stringify(f?.name)}, not '${FORMAT_NAME}'`,
      );
    }
    if (f.version !== FORMAT_VERSION) {
      throw new ManifestFormatError(
        `the manifest has format version ${JSON.stringify(f.version)}; this verifier reads version ${FORMAT_VERSION}. Use a newer ZTP Workstation to verify it`,
      );
    }
  }

  onProvisioned(index: number, value: JsonValue, raw: Uint8Array): void {
    this.provisionedCount++;
    // The leaf is the signed bytes themselves, so a proof holds for exactly what was signed.
    this.merkle.addLeaf(raw);
    this.queue.push({ kind: 'provisioned', index, value, raw });
  }

  onRejected(index: number, value: JsonValue, raw: Uint8Array): void {
    this.rejectedCount++;
    this.queue.push({ kind: 'rejected', index, value, raw });
  }

  async drain(all: boolean): Promise<void> {
    for (const item of this.queue.splice(0)) {
      if (item.kind === 'provisioned') await this.checkProvisioned(item);
      else this.checkRejected(item);
    }
    if (all) while (this.inflight.size > 0) await Promise.race(this.inflight);
  }

  private label(value: JsonValue, index: number, kind: string): string {
    const id = (value as Record<string, unknown> | null)?.deviceId;
    return typeof id === 'string' ? id : `${kind}[${index}]`;
  }

  private checkCanonical(item: Pending, device: string): void {
    if (!bytesEqual(Buffer.from(canonicalJson(item.value), 'utf8'), item.raw)) {
      this.fail('record', 'the record is not RFC 8785 canonical JSON', device);
    }
  }

  private noteUnique(field: keyof DeviceChecker['seen'], value: string, device: string): void {
    const map = this.seen[field];
    const k = shortKey(value);
    const first = map.get(k);
    if (first !== undefined) {
      this.fail(field, `the same value as device ${first}`, device);
    } else {
      map.set(k, device);
    }
  }

  private checkRejected(item: Pending): void {
    const device = this.label(item.value, item.index, 'rejected');
    this.checkCanonical(item, device);
    const problems = validateRejected(item.value);
    for (const p of problems)
      this.fail(`rejected${p.path === '/' ? '' : p.path}`, p.reason, device);
    const r = item.value as Record<string, unknown>;
    const outcome = r.outcome;
    // Provisioned devices come first (canonical order): a TPM provisioned in the batch cannot
    // also have failed or been set aside there, and a TPM fails or is set aside once.
    if ((outcome === 'failed' || outcome === 'set-aside') && typeof r.deviceId === 'string') {
      const key = shortKey(r.deviceId);
      if (this.seen.deviceId.has(key)) {
        this.fail('outcome', `${outcome}, but the device is also listed as provisioned`, device);
      } else if (this.seen.rejectedId.has(key)) {
        this.fail('outcome', `${outcome}, but the device is listed as rejected twice`, device);
      } else {
        this.seen.rejectedId.set(key, device);
      }
    }
    if (outcome === 'failed') this.outcomes.failed++;
    else if (outcome === 'set-aside') this.outcomes.setAside++;
    else if (outcome === 'rolled-back') this.outcomes.rolledBack++;
  }

  private async checkProvisioned(item: Pending): Promise<void> {
    const device = this.label(item.value, item.index, 'provisioned');
    if (!this.formatChecked) {
      throw new ManifestFormatError('the payload lists devices before its format and version');
    }
    this.checkCanonical(item, device);
    const problems = validateProvisioned(item.value);
    for (const p of problems)
      this.fail(p.path === '/' ? 'record' : p.path.slice(1).replaceAll('/', '.'), p.reason, device);
    if (problems.length > 0) return;
    const r = item.value as Record<string, JsonValue>;
    this.noteUnique('deviceId', r.deviceId as string, device);
    this.noteUnique('memberPublicKey', r.memberPublicKey as string, device);
    this.noteUnique('credential', r.credential as string, device);
    this.noteUnique('joinNonce', r.joinNonce as string, device);
    for (const ek of (r.tpm as { ekPublic: string[] }).ekPublic)
      this.noteUnique('ekPublic', ek, device);
    if (this.operators && !this.operators.has(r.operator as string)) {
      this.fail('operator', `'${r.operator}' is not among the manifest's operators`, device);
    }
    const d = decodeProvisioned(item.value);
    const sig = d.selfTest.signature;
    if (d.selfTest.basename.length === 0 && sig.length === SIZES.signatureWithBasename) {
      this.fail(
        'selfTest.signature',
        'a signature with a pseudonym (421 bytes) but no basename',
        device,
      );
    }
    if (!this.pool) return;
    if (!this.group) {
      this.fail(
        'group',
        'the group is missing or comes after the devices; ECDAA checks skipped',
        device,
      );
      return;
    }
    while (this.inflight.size >= this.options.concurrency) await Promise.race(this.inflight);
    const gpk = this.group.gpk;
    const pool = this.pool;
    const guard = async (field: string, check: () => Promise<string | null>) => {
      try {
        const why = await check();
        if (why !== null) this.fail(field, why, device);
      } catch (e) {
        this.fail(field, `malformed: ${(e as Error).message}`, device);
      }
    };
    const task = Promise.all([
      guard('memberPublicKey', async () =>
        (await pool.verifyMemberPublicKey(d.memberPublicKey, d.joinNonce))
          ? null
          : 'the join proof does not hold for this join nonce',
      ),
      guard('credential', () =>
        pool.checkCredential(d.credential, d.credentialSignature, d.memberPublicKey, gpk),
      ),
      guard('selfTest.signature', () =>
        pool.checkSignature(
          sig,
          d.selfTest.message,
          gpk,
          d.selfTest.basename.length > 0 ? d.selfTest.basename : undefined,
        ),
      ),
    ]).then(() => {});
    const tracked = task.finally(() => this.inflight.delete(tracked));
    this.inflight.add(tracked);
  }

  /** Checks that need the whole payload: schema, counts, Merkle root, tree head, group. */
  finish(top: JsonValue, key: FacilityPublicKey | undefined, envelope: Envelope): void {
    if (!this.formatChecked) this.checkFormat((top as Record<string, JsonValue>).format ?? null);
    const problems = validateSkeleton(top);
    for (const p of problems)
      this.fail(p.path === '/' ? 'payload' : p.path.slice(1).replaceAll('/', '.'), p.reason);
    if (problems.length > 0) return;
    const t = top as Record<string, Record<string, JsonValue>>;
    const counts = t.counts as unknown as ManifestCounts;
    const found: ManifestCounts = {
      provisioned: this.provisionedCount,
      rejected: this.rejectedCount,
      ...this.outcomes,
    };
    for (const k of Object.keys(found) as (keyof ManifestCounts)[]) {
      if (counts[k] !== found[k]) {
        this.fail(`counts.${k}`, `states ${counts[k]}, but the manifest lists ${found[k]}`);
      }
    }
    const root = this.merkle.root();
    const merkle = t.merkle as { root: string; size: number; treeHead: string };
    if (merkle.root !== toHex(root)) {
      this.fail(
        'merkle.root',
        `states ${merkle.root}, but the device records hash to ${toHex(root)}`,
      );
    }
    if (merkle.size !== this.provisionedCount) {
      this.fail(
        'merkle.size',
        `states ${merkle.size}, but ${this.provisionedCount} devices are listed`,
      );
    }
    this.checkTreeHead(merkle, t, key, envelope);
    const station = t.station as Record<string, string>;
    if (station.facilityKeyThumbprint !== envelope.header.kid) {
      this.fail(
        'station.facilityKeyThumbprint',
        `is ${station.facilityKeyThumbprint}, but the manifest is signed by ${envelope.header.kid}`,
      );
    }
    const g = this.group!;
    if (!bytesEqual(g.gpk, g.issuerPublicKey.subarray(0, SIZES.gpk))) {
      this.fail('group.gpk', 'is not the first 258 bytes of the issuer public key');
    }
    const gid = createHash('sha256').update(g.gpk).update(g.basename).digest();
    if (!bytesEqual(gid, g.gid)) {
      this.fail('group.gid', 'is not SHA-256(GPK ‖ basename)');
    }
    const audit = t.audit as { seq: number; hash: string };
    if (/^0{64}$/.test(audit.hash) && audit.seq > 0) {
      this.fail('audit.hash', 'is all zeros for a non-empty audit chain');
    }
    if (this.pool) {
      const pool = this.pool;
      const task = pool
        .verifyIssuerPublicKey(g.issuerPublicKey)
        .then((ok) => {
          if (!ok) this.fail('group.issuerPublicKey', 'the issuer proof (c, sx, sy) does not hold');
        })
        .catch((e: Error) => this.fail('group.issuerPublicKey', `malformed: ${e.message}`));
      const tracked = task.finally(() => this.inflight.delete(tracked));
      this.inflight.add(tracked);
    }
  }

  private checkTreeHead(
    merkle: { root: string; size: number; treeHead: string },
    t: Record<string, Record<string, JsonValue>>,
    key: FacilityPublicKey | undefined,
    envelope: Envelope,
  ): void {
    try {
      const parts = verifyCompactJws(merkle.treeHead, key?.point ?? new Uint8Array(65));
      if (parts.header.typ !== TREE_HEAD_TYP || parts.header.kid !== envelope.header.kid) {
        this.fail(
          'merkle.treeHead',
          `has type ${parts.header.typ} and key ${parts.header.kid}; expected ${TREE_HEAD_TYP} by ${envelope.header.kid}`,
        );
      }
      if (key && !parts.valid) this.fail('merkle.treeHead', 'its signature does not hold');
      const head = JSON.parse(Buffer.from(parts.payload).toString('utf8')) as Record<
        string,
        unknown
      >;
      const expected = {
        format: TREE_HEAD_FORMAT,
        version: FORMAT_VERSION,
        batch: t.batch!.id,
        gpk: t.group!.gpk,
        issuedAt: t.issuedAt,
        root: merkle.root,
        size: merkle.size,
      };
      if (canonicalJson(head) !== canonicalJson(expected)) {
        this.fail(
          'merkle.treeHead',
          "does not state the manifest's batch, GPK, time, root and size",
        );
      }
    } catch (e) {
      this.fail('merkle.treeHead', `malformed: ${(e as Error).message}`);
    }
  }
}
