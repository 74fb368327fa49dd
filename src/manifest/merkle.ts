import { createHash } from 'node:crypto';

/**
 * Merkle tree hash of RFC 6962 §2.1 (also RFC 9162 §2.1.1), SHA-256: leaves are hashed with a
 * 0x00 prefix and inner nodes with 0x01, so a leaf can never pass for a node. The manifest's
 * leaves are the canonical bytes of its device records, in manifest order.
 */

export const MERKLE_ALG = 'rfc6962-sha256';
const EMPTY_ROOT = createHash('sha256').digest();

export function leafHash(leaf: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(0)).update(leaf).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createHash('sha256').update(Uint8Array.of(1)).update(left).update(right).digest();
}

/**
 * Computes the root while leaves stream in, holding at most log2(n) hashes: a complete
 * subtree of 2^k leaves is merged as soon as it exists, which yields exactly RFC 6962's
 * split at the largest power of two below n.
 */
export class MerkleRootBuilder {
  /** Roots of complete subtrees, biggest first; sizes are the bits of `count`. */
  private readonly stack: { size: number; hash: Uint8Array }[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  addLeaf(leaf: Uint8Array): void {
    this.addLeafHash(leafHash(leaf));
  }

  addLeafHash(hash: Uint8Array): void {
    let node = { size: 1, hash };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.size === node.size) {
      const left = this.stack.pop()!;
      node = { size: left.size * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.stack.push(node);
    this.count++;
  }

  root(): Uint8Array {
    if (this.stack.length === 0) return new Uint8Array(EMPTY_ROOT);
    let hash = this.stack[this.stack.length - 1]!.hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeHash(this.stack[i]!.hash, hash);
    return hash;
  }
}

/** RFC 6962 MTH over already hashed leaves. */
export function rootFromLeafHashes(leafHashes: readonly Uint8Array[]): Uint8Array {
  const builder = new MerkleRootBuilder();
  for (const h of leafHashes) builder.addLeafHash(h);
  return builder.root();
}

function subtreeRoot(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  return rootFromLeafHashes(hashes.slice(start, end));
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 6962 §2.1.1 PATH(m, D[n]): the audit path of leaf `index`, nearest sibling first. */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= leafHashes.length) {
    throw new RangeError(`leaf index ${index} is outside a tree of ${leafHashes.length} leaves`);
  }
  const path: Uint8Array[] = [];
  let start = 0;
  let end = leafHashes.length;
  let m = index;
  // Walk down from the root, collecting the sibling subtree at each split; reversed at the end.
  while (end - start > 1) {
    const k = largestPowerOfTwoBelow(end - start);
    if (m < k) {
      path.push(subtreeRoot(leafHashes, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeRoot(leafHashes, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its audit path. Returns undefined
 * when the path has the wrong length for (index, size), so a caller cannot mistake it for a
 * root.
 */
export function rootFromInclusionProof(
  leaf: Uint8Array,
  index: number,
  size: number,
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return undefined;
  }
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}
