import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  inclusionProof,
  leafHash,
  MerkleRootBuilder,
  nodeHash,
  rootFromInclusionProof,
  rootFromLeafHashes,
} from '../../src/manifest/merkle.ts';

// The eight leaves and roots of certificate-transparency's reference Merkle tree tests (the
// test data behind RFC 6962's implementation).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const leafHashes = LEAVES.map((l) => leafHash(Buffer.from(l, 'hex')));

/** RFC 6962 §2.1 MTH, written the way the RFC states it, as an independent reference. */
function mth(hashes: Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return createHash('sha256').digest();
  if (hashes.length === 1) return hashes[0]!;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

describe('RFC 6962 Merkle tree', () => {
  it('gives the empty root SHA-256("")', () => {
    expect(hex(new MerkleRootBuilder().root())).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it.each(ROOTS.map((r, i) => [i + 1, r] as const))(
    'root of the first %i reference leaves',
    (n, root) => {
      expect(hex(rootFromLeafHashes(leafHashes.slice(0, n)))).toBe(root);
    },
  );

  it('gives the reference audit path of leaf 0 in the 8-leaf tree', () => {
    expect(inclusionProof(leafHashes, 0).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('streams to the same root as the recursive definition, and every proof verifies', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 70 }), fc.nat(), (n, pick) => {
        const hashes = Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i, n)));
        const root = rootFromLeafHashes(hashes);
        expect(hex(root)).toBe(hex(mth(hashes)));
        const index = pick % n;
        const path = inclusionProof(hashes, index);
        expect(hex(rootFromInclusionProof(hashes[index]!, index, n, path)!)).toBe(hex(root));
        // A wrong leaf, a wrong index or a shortened path must not reach the root.
        const other = leafHash(Uint8Array.of(255, 255));
        expect(hex(rootFromInclusionProof(other, index, n, path) ?? new Uint8Array())).not.toBe(
          hex(root),
        );
        if (n > 1) {
          const wrongIndex = (index + 1) % n;
          const r = rootFromInclusionProof(hashes[index]!, wrongIndex, n, path);
          expect(r === undefined || hex(r) !== hex(root)).toBe(true);
          expect(rootFromInclusionProof(hashes[index]!, index, n, path.slice(1))).toBeUndefined();
        }
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an index outside the tree', () => {
    expect(() => inclusionProof(leafHashes, 8)).toThrow(RangeError);
    expect(rootFromInclusionProof(leafHashes[0]!, 3, 3, [])).toBeUndefined();
  });
});
