/**
 * What the ECDAA member code needs from a TPM that holds the member key (TPM 2.0 Part 3
 * §19.2 TPM2_Commit and §20.2 TPM2_Sign with the ECDAA scheme). `src/tpm` implements it for
 * a loaded or persistent key; the crypto layer stays free of I/O beyond these two calls.
 *
 * Points are 65-byte uncompressed G1 encodings `04 ‖ x ‖ y`; byte strings are exactly what
 * the TPM returned (an implementation left-pads x and y to 32 bytes, but never n or s).
 */
export interface EcdaaTpmSigner {
  /** The member public key Q as the TPM holds it (`TPM2B_PUBLIC.unique.ecc`), 65 bytes. */
  readonly publicPoint: Uint8Array;
  /**
   * TPM2_Commit with P1 = `p1`; for a basename also s2 = LE32(i) ‖ bsn and y2 = the y
   * coordinate of hash_to_G1(bsn). Returns E, and K and L when s2/y2 were given.
   */
  commit(
    p1: Uint8Array,
    basename?: { s2: Uint8Array; y2: Uint8Array },
  ): Promise<{ counter: number; E: Uint8Array; K?: Uint8Array; L?: Uint8Array }>;
  /**
   * TPM2_Sign of a 32-byte digest with scheme {ECDAA, SHA-256, count = counter}: returns
   * signatureR (the nonce n, which may come back shorter than 32 bytes) and signatureS (s).
   */
  sign(digest: Uint8Array, counter: number): Promise<{ n: Uint8Array; s: Uint8Array }>;
}
