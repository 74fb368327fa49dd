import { mkdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson } from './canonical-json.ts';
import { bytesEqual, toHex } from './encoding.ts';
import {
  facilityPublicKeyFromPoint,
  publicKeyToPem,
  type FacilityPublicKey,
} from './facility-key.ts';
import type { Es256Signer } from './jws.ts';
import { AtomicFileWriter, hashFile, writeFileAtomic } from './atomic.ts';
import { FORMAT_VERSION } from './records.ts';
import type { ManifestInput } from './types.ts';
import {
  FACILITY_KEY_FILE,
  verifyManifestFile,
  type EcdaaVerifier,
  type VerifyReport,
} from './verify.ts';
import { writeManifest, type ManifestSummary } from './writer.ts';

/**
 * The export folder that leaves the facility on a USB drive: the signed manifest, the GPK,
 * the facility public key (PEM and JWK), label files, a README for the receiving side and a
 * SHA256SUMS list. Every file is written atomically and read back; the manifest is then
 * verified from the drive with the facility public key before the export counts as done.
 */

export const MANIFEST_FILE = 'manifest.json';
export const GPK_FILE = 'gpk.bin';
export const FACILITY_JWK_FILE = 'facility-key.jwk';
export const README_FILE = 'README.txt';
export const SUMS_FILE = 'SHA256SUMS';

export interface ExportLabel {
  /** File name inside `labels/`, e.g. 'batch-label.pdf'. */
  name: string;
  bytes: Uint8Array;
}

export interface ExportOptions {
  signer: Es256Signer;
  labels?: ExportLabel[];
  /** Also run the ECDAA checks on read-back (slow: pairings for every device). */
  verifyEcdaa?: EcdaaVerifier;
  /** Local folder for the device spool (defaults to the OS temporary folder). */
  tmpDir?: string;
}

export interface ExportedFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface ExportResult {
  folder: string;
  files: ExportedFile[];
  summary: ManifestSummary;
  /** The read-back verification of the manifest on the target. */
  verification: VerifyReport;
  facilityKey: FacilityPublicKey;
}

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/;

function readme(input: ManifestInput, summary: ManifestSummary, key: FacilityPublicKey): string {
  return `ZTP Workstation batch export
============================

Batch:            ${input.batch.id} (${input.batch.name}, product ${input.batch.product})
Exported at:      ${summary.issuedAt}
Devices:          ${summary.counts.provisioned} provisioned, ${summary.counts.rejected} not provisioned
Merkle root:      ${toHex(summary.merkleRoot)}
Facility key:     ${key.thumbprint}  (RFC 7638 thumbprint; compare it with the one
                  the facility gave you in writing before trusting ${FACILITY_KEY_FILE})

Files
  ${MANIFEST_FILE}    the signed manifest: a JWS (RFC 7515, flattened JSON, ES256) whose
                   payload is RFC 8785 canonical JSON, format ztp-batch-manifest v${FORMAT_VERSION}
  ${GPK_FILE}         the group public key (258 bytes) that the devices' XTT handshakes prove
                   membership of; register it with the network
  ${FACILITY_KEY_FILE}  the facility's public signing key (SubjectPublicKeyInfo PEM)
  ${FACILITY_JWK_FILE}  the same key as a JWK
  labels/          label files, when the batch has any
  ${SUMS_FILE}       SHA-256 of every file above

Checking it
  With ZTP Workstation:  ztp manifest verify ${MANIFEST_FILE} --key ${FACILITY_KEY_FILE}
    (checks the signature, schema, counts, duplicates, Merkle root and every device's
    ECDAA join proof, credential and self-test signature).
  With any JOSE library: verify ${MANIFEST_FILE} as a flattened JWS with ${FACILITY_JWK_FILE}
    (alg ES256, typ ztp-batch-manifest+jws); the payload's schema is published with the
    workstation as resources/manifest.schema.json.
  One device: ztp manifest prove ${MANIFEST_FILE} --device ID  prints an inclusion proof that
    ztp manifest verify-proof checks against the signed tree head, without this manifest.
`;
}

/** Writes and verifies an export into `folder` (created if missing). */
export async function writeExport(
  folder: string,
  input: ManifestInput,
  options: ExportOptions,
): Promise<ExportResult> {
  const key = facilityPublicKeyFromPoint(options.signer.publicKey);
  for (const label of options.labels ?? []) {
    if (!SAFE_NAME.test(label.name)) {
      throw new ExportError(`label file name '${label.name}' is not a plain file name`);
    }
  }
  // The first folder this export created, if any: removed again when the export fails.
  const createdFolder = await mkdir(folder, { recursive: true });
  const written = new Map<string, { sha256: Uint8Array; bytes: number }>();
  try {
    return await writeAndVerify(folder, input, options, key, written);
  } catch (e) {
    // A failed export must leave nothing that looks shippable (a signed manifest with
    // matching checksums): remove every file it wrote, SHA256SUMS first, then the folders it
    // made if they are empty. Files that were there before and not rewritten stay.
    const names = [...written.keys()].sort((a, b) => +(b === SUMS_FILE) - +(a === SUMS_FILE));
    for (const name of names) await rm(path.join(folder, name), { force: true });
    if (names.some((n) => n.startsWith('labels/'))) {
      await rmdir(path.join(folder, 'labels')).catch(() => undefined);
    }
    if (createdFolder !== undefined) await removeEmptyUpTo(folder, createdFolder);
    throw e;
  }
}

/** Removes `folder` and its parents up to `top` (which mkdir created), while they are empty. */
async function removeEmptyUpTo(folder: string, top: string): Promise<void> {
  for (let dir = folder; ; dir = path.dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (path.resolve(dir) === path.resolve(top)) return;
  }
}

async function writeAndVerify(
  folder: string,
  input: ManifestInput,
  options: ExportOptions,
  key: FacilityPublicKey,
  written: Map<string, { sha256: Uint8Array; bytes: number }>,
): Promise<ExportResult> {
  const manifestPath = path.join(folder, MANIFEST_FILE);
  const writer = await AtomicFileWriter.create(manifestPath);
  let summary: ManifestSummary;
  try {
    summary = await writeManifest(input, options.signer, writer, { tmpDir: options.tmpDir });
    written.set(MANIFEST_FILE, await writer.commit());
  } catch (e) {
    await writer.abort();
    throw e;
  }
  written.set(GPK_FILE, await writeFileAtomic(path.join(folder, GPK_FILE), input.group.gpk));
  written.set(
    FACILITY_KEY_FILE,
    await writeFileAtomic(path.join(folder, FACILITY_KEY_FILE), publicKeyToPem(key)),
  );
  written.set(
    FACILITY_JWK_FILE,
    await writeFileAtomic(
      path.join(folder, FACILITY_JWK_FILE),
      canonicalJson({ ...key.jwk, kid: key.thumbprint, alg: 'ES256', use: 'sig' }) + '\n',
    ),
  );
  if (options.labels && options.labels.length > 0) {
    await mkdir(path.join(folder, 'labels'), { recursive: true });
    for (const label of options.labels) {
      const name = `labels/${label.name}`;
      written.set(name, await writeFileAtomic(path.join(folder, name), label.bytes));
    }
  }
  written.set(
    README_FILE,
    await writeFileAtomic(path.join(folder, README_FILE), readme(input, summary, key)),
  );
  // sha256sum -c format: "<hex>  <name>".
  const sums = [...written].map(([name, w]) => `${toHex(w.sha256)}  ${name}\n`).join('');
  written.set(SUMS_FILE, await writeFileAtomic(path.join(folder, SUMS_FILE), sums));

  // Read every file back from the target, then verify the manifest there.
  for (const [name, w] of written) {
    const back = await hashFile(path.join(folder, name));
    if (back.bytes !== w.bytes || !bytesEqual(back.sha256, w.sha256)) {
      throw new ExportError(
        `${name} reads back differently from what was written (${back.bytes} of ${w.bytes} bytes); the drive may be failing: use another drive and export again`,
      );
    }
  }
  const verification = await verifyManifestFile(manifestPath, {
    key,
    skipEcdaa: options.verifyEcdaa === undefined,
    pool: options.verifyEcdaa,
  });
  if (!verification.ok) {
    const first = verification.failures[0];
    throw new ExportError(
      `the manifest written to ${manifestPath} does not verify (${first?.field}: ${first?.reason}); do not ship it, export again`,
    );
  }
  return {
    folder,
    files: [...written].map(([name, w]) => ({ name, bytes: w.bytes, sha256: toHex(w.sha256) })),
    summary,
    verification,
    facilityKey: key,
  };
}
