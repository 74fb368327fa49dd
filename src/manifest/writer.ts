import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { toBase64Url, toHex } from './encoding.ts';
import {
  encodeProtectedHeader,
  signCompactJws,
  SigningInputHash,
  type Es256Signer,
} from './jws.ts';
import { MERKLE_ALG, MerkleRootBuilder } from './merkle.ts';
import {
  auditJson,
  batchJson,
  FORMAT_NAME,
  FORMAT_VERSION,
  groupJson,
  layoutJson,
  MANIFEST_TYP,
  ManifestInputError,
  operatorsJson,
  provisionedJson,
  rejectedJson,
  stationJson,
  TREE_HEAD_FORMAT,
  TREE_HEAD_TYP,
} from './records.ts';
import type { DeviceSource, ManifestCounts, ManifestInput } from './types.ts';

/**
 * Writes a version-1 manifest: a flattened JWS whose payload is canonical JSON, streamed so a
 * batch of any size is never held in memory. The device lists are read once from the engine
 * and spooled, canonical and comma-separated, to a private temporary folder: the Merkle root
 * and the counts must be known before the device arrays (canonical member order puts
 * "merkle" and "counts" first), and a single read keeps one consistent view of the store.
 */

/** Where the manifest's bytes go; AtomicFileWriter is one. */
export interface ByteSink {
  write(data: Uint8Array | string): Promise<void>;
}

export interface ManifestSummary {
  counts: ManifestCounts;
  merkleRoot: Uint8Array;
  /** The compact JWS over the tree head, also inside the manifest. */
  treeHead: string;
  issuedAt: string;
  kid: string;
}

const FLUSH_BYTES = 1 << 16;

/** Buffers payload bytes and emits base64url in whole 3-byte groups while hashing it. */
class PayloadEncoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly sink: ByteSink,
    private readonly hash: SigningInputHash,
  ) {}

  async push(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush(false);
  }

  async flush(final: boolean): Promise<void> {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    const usable = final ? all.length : all.length - (all.length % 3);
    const text = all.subarray(0, usable).toString('base64url');
    const rest = all.subarray(usable);
    this.pending = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.pendingBytes = rest.length;
    if (text.length > 0) {
      this.hash.update(text);
      await this.sink.write(text);
    }
  }
}

/** Buffered append-only spool file of comma-separated canonical records. */
class Spool {
  private parts: string[] = [];
  private size = 0;
  count = 0;

  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  static async create(file: string): Promise<Spool> {
    return new Spool(file, await open(file, 'wx', 0o600));
  }

  async add(text: string): Promise<void> {
    this.parts.push(this.count === 0 ? text : ',' + text);
    this.count++;
    this.size += text.length + 1;
    if (this.size >= FLUSH_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    await this.handle.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

async function* iterate<T>(source: DeviceSource<T>): AsyncIterable<T> {
  yield* source as AsyncIterable<T>;
}

/** Writes the manifest to `sink`, signing with `signer`. */
export async function writeManifest(
  input: ManifestInput,
  signer: Es256Signer,
  sink: ByteSink,
  options: { tmpDir?: string } = {},
): Promise<ManifestSummary> {
  if (input.station.facilityKeyThumbprint !== signer.thumbprint) {
    throw new ManifestInputError(
      'station.facilityKeyThumbprint',
      `is ${input.station.facilityKeyThumbprint}, but the signing key is ${signer.thumbprint}`,
    );
  }
  const issuedAt = input.issuedAt ?? new Date().toISOString();
  const spoolDir = await mkdtemp(path.join(options.tmpDir ?? tmpdir(), 'ztp-manifest-'));
  try {
    const merkle = new MerkleRootBuilder();
    const counts: ManifestCounts = {
      provisioned: 0,
      rejected: 0,
      failed: 0,
      setAside: 0,
      rolledBack: 0,
    };
    const provisioned = await Spool.create(path.join(spoolDir, 'provisioned'));
    const rejected = await Spool.create(path.join(spoolDir, 'rejected'));
    try {
      const seen = new Set<string>();
      for await (const device of iterate(input.provisioned)) {
        const text = canonicalJson(provisionedJson(device));
        if (seen.has(device.deviceId)) {
          throw new ManifestInputError(
            'deviceId',
            'appears twice among provisioned devices',
            device.deviceId,
          );
        }
        seen.add(device.deviceId);
        merkle.addLeaf(Buffer.from(text, 'utf8'));
        await provisioned.add(text);
      }
      counts.provisioned = provisioned.count;
      for await (const device of iterate(input.rejected)) {
        await rejected.add(canonicalJson(rejectedJson(device)));
        if (device.outcome === 'failed') counts.failed++;
        else if (device.outcome === 'set-aside') counts.setAside++;
        else counts.rolledBack++;
      }
      counts.rejected = rejected.count;
    } finally {
      await provisioned.close();
      await rejected.close();
    }

    const root = merkle.root();
    const group = groupJson(input.group);
    const treeHeadPayload = canonicalJson({
      format: TREE_HEAD_FORMAT,
      version: FORMAT_VERSION,
      batch: input.batch.id,
      gpk: toBase64Url(input.group.gpk),
      issuedAt,
      root: toHex(root),
      size: counts.provisioned,
    });
    const treeHead = signCompactJws(
      { alg: 'ES256', kid: signer.thumbprint, typ: TREE_HEAD_TYP },
      Buffer.from(treeHeadPayload, 'utf8'),
      signer,
    );

    const members: Record<string, JsonValue | { spool: Spool }> = {
      audit: auditJson(input.audit),
      batch: batchJson(input.batch),
      counts: { ...counts },
      format: { name: FORMAT_NAME, version: FORMAT_VERSION },
      group,
      issuedAt,
      layout: layoutJson(input.layout),
      merkle: { alg: MERKLE_ALG, root: toHex(root), size: counts.provisioned, treeHead },
      operators: operatorsJson(input.operators),
      provisioned: { spool: provisioned },
      rejected: { spool: rejected },
      station: stationJson(input.station),
    };

    const encodedHeader = encodeProtectedHeader({
      alg: 'ES256',
      kid: signer.thumbprint,
      typ: MANIFEST_TYP,
    });
    const hash = new SigningInputHash(encodedHeader);
    const payload = new PayloadEncoder(sink, hash);
    // The envelope is itself canonical JSON: members in the order payload, protected, signature.
    await sink.write('{"payload":"');
    // Canonical order: keys sorted by UTF-16 code units, which Array.sort does by default.
    const keys = Object.keys(members).sort();
    await payload.push('{');
    for (const [i, key] of keys.entries()) {
      await payload.push(`${i > 0 ? ',' : ''}${JSON.stringify(key)}:`);
      const value = members[key]!;
      if (value !== null && typeof value === 'object' && 'spool' in value) {
        await payload.push('[');
        for await (const chunk of createReadStream((value.spool as Spool).file, {
          highWaterMark: FLUSH_BYTES,
        })) {
          await payload.push(chunk as Buffer);
        }
        await payload.push(']');
      } else {
        await payload.push(canonicalJson(value));
      }
    }
    await payload.push('}');
    await payload.flush(true);
    const signature = signer.sign(hash.digest());
    await sink.write(`","protected":"${encodedHeader}","signature":"${toBase64Url(signature)}"}`);
    return { counts, merkleRoot: root, treeHead, issuedAt, kid: signer.thumbprint };
  } finally {
    await rm(spoolDir, { recursive: true, force: true });
  }
}
