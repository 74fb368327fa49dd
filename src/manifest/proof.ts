import { canonicalJson, type JsonValue } from './canonical-json.ts';
import { fromHex, toHex } from './encoding.ts';
import type { FacilityPublicKey } from './facility-key.ts';
import { verifyCompactJws } from './jws.ts';
import { parseJsonStrict } from './json-stream.ts';
import { inclusionProof, leafHash, rootFromInclusionProof } from './merkle.ts';
import { FORMAT_VERSION, PROOF_FORMAT, TREE_HEAD_FORMAT, TREE_HEAD_TYP } from './records.ts';
import { ManifestFormatError, readEnvelope, readPayload } from './reader.ts';
import type { VerifyFailure } from './verify.ts';

/**
 * One device's membership in a manifest, shown to a third party without the manifest: the
 * device record, its RFC 6962 audit path, and the facility-signed tree head (batch, GPK,
 * root, size) that the manifest carries.
 */

export interface InclusionProof {
  format: typeof PROOF_FORMAT;
  version: 1;
  leafIndex: number;
  treeSize: number;
  /** Sibling hashes, nearest first, lowercase hex. */
  auditPath: string[];
  /** The device record exactly as in the manifest (its canonical bytes are the leaf). */
  device: JsonValue;
  /** Compact JWS by the facility key over the tree head. */
  treeHead: string;
}

/** Builds the inclusion proof of `deviceId` from a manifest file (one streaming pass). */
export async function proveDevice(
  file: string,
  deviceId: string,
  options: { maxBytes?: number } = {},
): Promise<InclusionProof> {
  const envelope = await readEnvelope(file, options.maxBytes);
  const leaves: Uint8Array[] = [];
  let found: { index: number; value: JsonValue } | undefined;
  const result = await readPayload(file, envelope, {
    onItem(member, index, value, raw) {
      if (member !== 'provisioned') return;
      leaves.push(leafHash(raw));
      if ((value as Record<string, JsonValue>).deviceId === deviceId && !found) {
        found = { index, value };
      }
    },
  });
  if (!found) {
    throw new ManifestFormatError(
      `device ${deviceId} is not among the ${leaves.length} provisioned devices of ${file}`,
    );
  }
  const merkle = (result.top as Record<string, Record<string, JsonValue>>).merkle;
  if (typeof merkle?.treeHead !== 'string') {
    throw new ManifestFormatError(`${file} has no signed tree head (merkle.treeHead)`);
  }
  return {
    format: PROOF_FORMAT,
    version: FORMAT_VERSION,
    leafIndex: found.index,
    treeSize: leaves.length,
    auditPath: inclusionProof(leaves, found.index).map(toHex),
    device: found.value,
    treeHead: merkle.treeHead,
  };
}

export interface ProofReport {
  ok: boolean;
  deviceId?: string;
  batch?: string;
  gpk?: string;
  root?: string;
  kid?: string;
  /** The input is not an inclusion proof at all (not JSON, another format or version). */
  malformed?: boolean;
  failures: VerifyFailure[];
}

/** Checks a proof (as parsed JSON or its text) against the facility public key. */
export function verifyInclusionProof(
  proofInput: string | Uint8Array | JsonValue,
  key: FacilityPublicKey,
): ProofReport {
  const report: ProofReport = { ok: false, failures: [] };
  const fail = (field: string, reason: string) => report.failures.push({ field, reason });
  let proof: InclusionProof;
  try {
    const value =
      typeof proofInput === 'string' || proofInput instanceof Uint8Array
        ? parseJsonStrict(proofInput)
        : proofInput;
    proof = value as unknown as InclusionProof;
    if (proof?.format !== PROOF_FORMAT) throw new Error(`its format is not '${PROOF_FORMAT}'`);
    if (proof.version !== FORMAT_VERSION) {
      throw new Error(`its version ${JSON.stringify(proof.version)} is not ${FORMAT_VERSION}`);
    }
    if (!Array.isArray(proof.auditPath) || typeof proof.treeHead !== 'string') {
      throw new Error('it lacks auditPath or treeHead');
    }
  } catch (e) {
    fail('proof', `not an inclusion proof: ${(e as Error).message}`);
    report.malformed = true;
    return report;
  }
  report.deviceId = (proof.device as Record<string, string> | null)?.deviceId;
  try {
    const head = verifyCompactJws(proof.treeHead, key.point);
    report.kid = head.header.kid;
    if (head.header.typ !== TREE_HEAD_TYP) fail('treeHead', `has type ${head.header.typ}`);
    if (head.header.kid !== key.thumbprint) {
      fail('treeHead', `is signed by key ${head.header.kid}, not by ${key.thumbprint}`);
    }
    if (!head.valid) fail('treeHead', 'its signature does not hold under the given key');
    const body = parseJsonStrict(head.payload) as Record<string, JsonValue>;
    if (body.format !== TREE_HEAD_FORMAT) fail('treeHead', 'its payload is not a tree head');
    report.batch = body.batch as string;
    report.gpk = body.gpk as string;
    report.root = body.root as string;
    if (body.size !== proof.treeSize) {
      fail('treeSize', `is ${proof.treeSize}, but the signed tree head says ${body.size}`);
    }
    const leaf = leafHash(Buffer.from(canonicalJson(proof.device), 'utf8'));
    const path = proof.auditPath.map((h) => fromHex(String(h), 'an audit path hash'));
    const root = rootFromInclusionProof(leaf, proof.leafIndex, proof.treeSize, path);
    if (!root) fail('auditPath', 'has the wrong length for this leaf index and tree size');
    else if (toHex(root) !== body.root) {
      fail('device', 'the record and audit path do not lead to the signed root');
    }
  } catch (e) {
    fail('proof', `malformed: ${(e as Error).message}`);
  }
  report.ok = report.failures.length === 0;
  return report;
}
