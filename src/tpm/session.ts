/**
 * Authorizations (Part 1 §19): password sessions (TPM_RS_PW) and policy sessions. Policy
 * sessions here are unbound and unsalted, so their session key is empty; the command HMAC is
 * still computed exactly as Part 1 §19.6 says, so TPMs that check it accept it, and the
 * response HMAC is verified.
 */
import crypto from 'node:crypto';
import type { AuthCommand, AuthResponse } from './command.ts';
import { TPM_RH, TPMA_SESSION } from './constants.ts';
import { digestSize, hash, hmac } from './crypto.ts';
import { MarshalError } from './errors.ts';
import { bytesEqual, concatBytes } from './marshal.ts';

export interface PasswordAuth {
  readonly kind: 'password';
  readonly password: Uint8Array;
}

/** The empty password: what a fresh TPM's hierarchies and this project's objects use. */
export const EMPTY_AUTH: PasswordAuth = { kind: 'password', password: new Uint8Array() };

export function passwordAuth(password: string | Uint8Array): PasswordAuth {
  return {
    kind: 'password',
    password: typeof password === 'string' ? new TextEncoder().encode(password) : password,
  };
}

/** A started policy (or trial) session: its handle, hash and the rolling nonces. */
export class PolicySession {
  readonly kind = 'policy';
  /** Cleared by the TPM after a command sent without continueSession. */
  alive = true;
  private nonceCaller: Uint8Array;

  constructor(
    readonly handle: number,
    readonly authHash: number,
    private nonceTPM: Uint8Array,
    nonceCaller: Uint8Array,
    /** Include the entity's authValue in the HMAC key (after TPM2_PolicyAuthValue). */
    readonly authValue: Uint8Array | null = null,
    /** Keep the session after the next command (otherwise the TPM flushes it). */
    public continueSession = false,
  ) {
    this.nonceCaller = nonceCaller;
  }

  get currentNonceTPM(): Uint8Array {
    return this.nonceTPM;
  }

  private key(): Uint8Array {
    // Unbound, unsalted: sessionKey is empty (Part 1 §19.6.8); authValue only if asserted.
    return this.authValue ?? new Uint8Array();
  }

  private attributes(): number {
    return this.continueSession ? TPMA_SESSION.continueSession : 0;
  }

  /** The command's authorization entry; `cpHash` is H(commandCode ‖ names ‖ parameters). */
  authorize(cpHash: Uint8Array): AuthCommand {
    this.nonceCaller = new Uint8Array(crypto.randomBytes(digestSize(this.authHash)));
    const attrs = this.attributes();
    const mac = hmac(
      this.authHash,
      this.key(),
      cpHash,
      this.nonceCaller,
      this.nonceTPM,
      Uint8Array.of(attrs),
    );
    return {
      sessionHandle: this.handle,
      nonce: this.nonceCaller,
      sessionAttributes: attrs,
      hmac: mac,
    };
  }

  /** Takes the TPM's new nonce and checks the response HMAC over `rpHash`. */
  accept(auth: AuthResponse, rpHash: Uint8Array): void {
    this.nonceTPM = auth.nonce;
    if (!(auth.sessionAttributes & TPMA_SESSION.continueSession)) this.alive = false;
    if (auth.hmac.length === 0) return;
    const mac = hmac(
      this.authHash,
      this.key(),
      rpHash,
      auth.nonce,
      this.nonceCaller,
      Uint8Array.of(auth.sessionAttributes),
    );
    if (!bytesEqual(mac, auth.hmac)) {
      throw new MarshalError('the response HMAC of the policy session does not verify');
    }
  }
}

export type Authorization = PasswordAuth | PolicySession;

export function passwordCommand(a: PasswordAuth): AuthCommand {
  return {
    sessionHandle: TPM_RH.PW,
    nonce: new Uint8Array(),
    sessionAttributes: TPMA_SESSION.continueSession,
    hmac: a.password,
  };
}

/** cpHash (Part 1 §18.7): H(commandCode ‖ Name of each handle ‖ parameters). */
export function cpHash(
  alg: number,
  code: number,
  names: Uint8Array[],
  params: Uint8Array,
): Uint8Array {
  const cc = new Uint8Array(4);
  new DataView(cc.buffer).setUint32(0, code);
  return hash(alg, cc, ...names, params);
}

/** rpHash (Part 1 §18.8): H(responseCode = 0 ‖ commandCode ‖ parameters). */
export function rpHash(alg: number, code: number, params: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(4, code);
  return hash(alg, concatBytes(head, params));
}
