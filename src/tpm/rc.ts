/**
 * TPM_RC response codes (TPM 2.0 Part 2 §6.6): decoding into the spec's name, the format,
 * which handle/parameter/session the code points at, and what an operator should do.
 */

/** Format-0 codes that are TPM 2.0 errors (RC_VER1 + n), Part 2 Table 16. */
const VER1: Record<number, [string, string]> = {
  0x000: ['TPM_RC_INITIALIZE', 'TPM not initialized by TPM2_Startup or already initialized'],
  0x001: ['TPM_RC_FAILURE', 'commands not being accepted because of a TPM failure'],
  0x003: ['TPM_RC_SEQUENCE', 'improper use of a sequence handle'],
  0x00b: ['TPM_RC_PRIVATE', 'not currently used'],
  0x019: ['TPM_RC_HMAC', 'not currently used'],
  0x020: ['TPM_RC_DISABLED', 'the command is disabled'],
  0x021: ['TPM_RC_EXCLUSIVE', 'command failed because audit sequence required exclusivity'],
  0x024: ['TPM_RC_AUTH_TYPE', 'authorization handle is not correct for command'],
  0x025: ['TPM_RC_AUTH_MISSING', 'command requires an authorization session for handle'],
  0x026: ['TPM_RC_POLICY', 'policy failure in math operation or an invalid authPolicy value'],
  0x027: ['TPM_RC_PCR', 'PCR check fail'],
  0x028: ['TPM_RC_PCR_CHANGED', 'PCR have changed since checked'],
  0x02d: ['TPM_RC_UPGRADE', 'the TPM is in field upgrade mode'],
  0x02e: ['TPM_RC_TOO_MANY_CONTEXTS', 'context ID counter is at maximum'],
  0x02f: ['TPM_RC_AUTH_UNAVAILABLE', 'authValue or authPolicy is not available for this entity'],
  0x030: ['TPM_RC_REBOOT', 'a _TPM_Init and Startup(CLEAR) is required'],
  0x031: ['TPM_RC_UNBALANCED', 'the protection algorithms (hash and symmetric) are not balanced'],
  0x042: ['TPM_RC_COMMAND_SIZE', 'command size value is inconsistent with its contents'],
  0x043: ['TPM_RC_COMMAND_CODE', 'command code not supported'],
  0x044: ['TPM_RC_AUTHSIZE', 'the authorization size is out of range or wrong'],
  0x045: [
    'TPM_RC_AUTH_CONTEXT',
    'use of an authorization session with a command that cannot have one',
  ],
  0x046: ['TPM_RC_NV_RANGE', 'NV offset+size is out of range'],
  0x047: ['TPM_RC_NV_SIZE', 'requested allocation size is larger than allowed'],
  0x048: ['TPM_RC_NV_LOCKED', 'NV access locked'],
  0x049: ['TPM_RC_NV_AUTHORIZATION', 'NV access authorization fails in command actions'],
  0x04a: ['TPM_RC_NV_UNINITIALIZED', 'an NV Index is used before being initialized'],
  0x04b: ['TPM_RC_NV_SPACE', 'insufficient space for NV allocation'],
  0x04c: ['TPM_RC_NV_DEFINED', 'NV Index or persistent object already defined'],
  0x050: ['TPM_RC_BAD_CONTEXT', 'context in TPM2_ContextLoad() is not valid'],
  0x051: ['TPM_RC_CPHASH', 'cpHash value already set or not correct for use'],
  0x052: ['TPM_RC_PARENT', 'handle for parent is not a valid parent'],
  0x053: ['TPM_RC_NEEDS_TEST', 'some function needs testing'],
  0x054: [
    'TPM_RC_NO_RESULT',
    'an internal function cannot process a request due to an unspecified problem',
  ],
  0x055: ['TPM_RC_SENSITIVE', 'the sensitive area did not unmarshal correctly after decryption'],
};

/** Format-1 codes (RC_FMT1 + n), Part 2 Table 16. */
const FMT1: Record<number, [string, string]> = {
  0x001: ['TPM_RC_ASYMMETRIC', 'asymmetric algorithm not supported or not correct'],
  0x002: ['TPM_RC_ATTRIBUTES', 'inconsistent attributes'],
  0x003: ['TPM_RC_HASH', 'hash algorithm not supported or not appropriate'],
  0x004: ['TPM_RC_VALUE', 'value is out of range or is not correct for the context'],
  0x005: ['TPM_RC_HIERARCHY', 'hierarchy is not enabled or is not correct for the use'],
  0x007: ['TPM_RC_KEY_SIZE', 'key size is not supported'],
  0x008: ['TPM_RC_MGF', 'mask generation function not supported'],
  0x009: ['TPM_RC_MODE', 'mode of operation not supported'],
  0x00a: ['TPM_RC_TYPE', 'the type of the value is not appropriate for the use'],
  0x00b: ['TPM_RC_HANDLE', 'the handle is not correct for the use'],
  0x00c: ['TPM_RC_KDF', 'unsupported key derivation function or function not appropriate for use'],
  0x00d: ['TPM_RC_RANGE', 'value was out of allowed range'],
  0x00e: ['TPM_RC_AUTH_FAIL', 'the authorization HMAC check failed and DA counter incremented'],
  0x00f: ['TPM_RC_NONCE', 'invalid nonce size or nonce value mismatch'],
  0x010: ['TPM_RC_PP', 'authorization requires assertion of PP'],
  0x012: ['TPM_RC_SCHEME', 'unsupported or incompatible scheme'],
  0x015: ['TPM_RC_SIZE', 'structure is the wrong size'],
  0x016: [
    'TPM_RC_SYMMETRIC',
    'unsupported symmetric algorithm or key size, or not appropriate for instance',
  ],
  0x017: ['TPM_RC_TAG', 'incorrect structure tag'],
  0x018: ['TPM_RC_SELECTOR', 'union selector is incorrect'],
  0x01a: [
    'TPM_RC_INSUFFICIENT',
    'the TPM was unable to unmarshal a value because there were not enough octets in the input buffer',
  ],
  0x01b: ['TPM_RC_SIGNATURE', 'the signature is not valid'],
  0x01c: ['TPM_RC_KEY', 'key fields are not compatible with the selected use'],
  0x01d: ['TPM_RC_POLICY_FAIL', 'a policy check failed'],
  0x01f: ['TPM_RC_INTEGRITY', 'integrity check failed'],
  0x020: ['TPM_RC_TICKET', 'invalid ticket'],
  0x021: ['TPM_RC_RESERVED_BITS', 'reserved bits not set to zero as required'],
  0x022: ['TPM_RC_BAD_AUTH', 'authorization failure without DA implications'],
  0x023: ['TPM_RC_EXPIRED', 'the policy has expired'],
  0x024: [
    'TPM_RC_POLICY_CC',
    'the commandCode in the policy is not the commandCode of the command',
  ],
  0x025: [
    'TPM_RC_BINDING',
    'public and sensitive portions of an object are not cryptographically bound',
  ],
  0x026: ['TPM_RC_CURVE', 'curve not supported'],
  0x027: ['TPM_RC_ECC_POINT', 'point is not on the required curve'],
  0x028: ['TPM_RC_FW_LIMITED', 'the command requires the firmware secret, which is not available'],
  0x029: ['TPM_RC_SVN_LIMITED', 'the command requires the SVN secret, which is not available'],
};

/** Warnings (RC_WARN + n), Part 2 Table 16. */
const WARN: Record<number, [string, string]> = {
  0x001: ['TPM_RC_CONTEXT_GAP', 'gap for context ID is too large'],
  0x002: ['TPM_RC_OBJECT_MEMORY', 'out of memory for object contexts'],
  0x003: ['TPM_RC_SESSION_MEMORY', 'out of memory for session contexts'],
  0x004: [
    'TPM_RC_MEMORY',
    'out of shared object/session memory or need space for internal operations',
  ],
  0x005: ['TPM_RC_SESSION_HANDLES', 'out of session handles'],
  0x006: ['TPM_RC_OBJECT_HANDLES', 'out of object handles'],
  0x007: ['TPM_RC_LOCALITY', 'bad locality'],
  0x008: ['TPM_RC_YIELDED', 'the TPM has suspended operation on the command'],
  0x009: ['TPM_RC_CANCELED', 'the command was canceled'],
  0x00a: ['TPM_RC_TESTING', 'TPM is performing self-tests'],
  0x010: [
    'TPM_RC_REFERENCE_H0',
    'the 1st handle in the handle area references a transient object or session that is not loaded',
  ],
  0x011: [
    'TPM_RC_REFERENCE_H1',
    'the 2nd handle references a transient object or session that is not loaded',
  ],
  0x012: [
    'TPM_RC_REFERENCE_H2',
    'the 3rd handle references a transient object or session that is not loaded',
  ],
  0x013: [
    'TPM_RC_REFERENCE_H3',
    'the 4th handle references a transient object or session that is not loaded',
  ],
  0x014: [
    'TPM_RC_REFERENCE_H4',
    'the 5th handle references a transient object or session that is not loaded',
  ],
  0x015: [
    'TPM_RC_REFERENCE_H5',
    'the 6th handle references a transient object or session that is not loaded',
  ],
  0x016: [
    'TPM_RC_REFERENCE_H6',
    'the 7th handle references a transient object or session that is not loaded',
  ],
  0x018: [
    'TPM_RC_REFERENCE_S0',
    'the 1st authorization session handle references a session that is not loaded',
  ],
  0x019: [
    'TPM_RC_REFERENCE_S1',
    'the 2nd authorization session handle references a session that is not loaded',
  ],
  0x01a: [
    'TPM_RC_REFERENCE_S2',
    'the 3rd authorization session handle references a session that is not loaded',
  ],
  0x01b: [
    'TPM_RC_REFERENCE_S3',
    'the 4th authorization session handle references a session that is not loaded',
  ],
  0x01c: ['TPM_RC_REFERENCE_S4', 'the 5th session handle references a session that is not loaded'],
  0x01d: ['TPM_RC_REFERENCE_S5', 'the 6th session handle references a session that is not loaded'],
  0x01e: [
    'TPM_RC_REFERENCE_S6',
    'the 7th authorization session handle references a session that is not loaded',
  ],
  0x020: ['TPM_RC_NV_RATE', 'the TPM is rate-limiting accesses to prevent wearout of NV'],
  0x021: [
    'TPM_RC_LOCKOUT',
    'authorizations for objects subject to DA protection are not allowed at this time because the TPM is in DA lockout mode',
  ],
  0x022: ['TPM_RC_RETRY', 'the TPM was not able to start the command'],
  0x023: [
    'TPM_RC_NV_UNAVAILABLE',
    'the command may require writing of NV and NV is not current accessible',
  ],
  0x07f: ['TPM_RC_NOT_USED', 'this value is reserved and shall not be returned by the TPM'],
};

/** What to do, per base code; anything not listed gets the generic advice. */
const ADVICE: Record<number, string> = {
  0x100: 'Send TPM2_Startup(CLEAR) first (or power-cycle the TPM)',
  0x101: 'The TPM is in failure mode: power-cycle it; if it persists, replace the chip',
  0x120: 'The command is disabled on this TPM (e.g. a hierarchy is disabled by firmware)',
  0x125: 'Supply an authorization session for the handle',
  0x12f: 'The entity has no usable authValue or authPolicy for this role: use a policy session',
  0x130: 'Power-cycle the TPM (or send _TPM_Init and TPM2_Startup(CLEAR))',
  0x143: 'This TPM does not implement the command',
  0x146: 'Read or write within the NV index size',
  0x147: 'Use a smaller NV size (check NV_INDEX_MAX and NV_BUFFER_MAX)',
  0x148: 'The NV index is locked until the next TPM reset, or write-once',
  0x149: 'Use the authorization the NV index attributes require (owner, platform or the index)',
  0x14a: 'Write the NV index before reading it',
  0x14b: 'Free NV space: undefine unused indexes or evict persistent objects',
  0x14c:
    'Something already exists at that handle: undefine or evict it first, or use another handle',
  0x152: 'Use a storage key (restricted decrypt) as the parent',
  0x085:
    'Enable the hierarchy, or use one that is enabled (platform hierarchy may be disabled by firmware)',
  0x08b: 'Use a handle of the right kind for this command (object, NV index, or hierarchy)',
  0x08e:
    'Wrong password or HMAC: check the authorization value (this counts toward dictionary-attack lockout)',
  0x0a2: 'Wrong authorization value (no lockout implications): check the password',
  0x09d: 'The policy session does not satisfy the object’s policy: satisfy the policy first',
  0x0a6: 'This TPM does not support that ECC curve',
  0x0a7: 'The point is not on the curve: check the input point',
  0x084:
    'A value is out of range for this command (for TPM2_Sign with ECDAA: a commit counter used twice)',
  0x092: 'Use a signing scheme the key allows',
  0x095: 'A size field is wrong: check buffer sizes against the TPM limits',
  0x902: 'Out of object slots: flush transient objects (TPM2_FlushContext)',
  0x903: 'Out of session slots: flush sessions (TPM2_FlushContext)',
  0x921:
    'The TPM is in dictionary-attack lockout: wait for the recovery time, or reset the lockout with lockoutAuth',
  0x920: 'The TPM is rate-limiting NV writes: wait and retry',
  0x922: 'The TPM could not start the command: retry',
  ...Object.fromEntries(
    [
      0x910, 0x911, 0x912, 0x913, 0x914, 0x915, 0x916, 0x918, 0x919, 0x91a, 0x91b, 0x91c, 0x91d,
      0x91e,
    ].map((c) => [
      c,
      'The object or session is not loaded (flushed, or lost when the TPM was reset): load or start it again',
    ]),
  ),
  0x908: 'The TPM yielded: retry',
  0x90a: 'The TPM is self-testing: retry shortly',
  0x909: 'The command was canceled',
  0x907: 'Use the locality the command needs',
};

export interface DecodedResponseCode {
  code: number;
  /** The spec's name, e.g. `TPM_RC_NV_DEFINED`. */
  name: string;
  /** The code without handle/parameter/session numbers, e.g. 0x08e. */
  base: number;
  format: 0 | 1;
  kind: 'error' | 'warning' | 'vendor' | 'tpm12';
  /** Set for format-1 codes that point at a parameter, handle or session (1-based). */
  parameter?: number;
  handle?: number;
  session?: number;
  /** The software layer (bits 16-23) when a resource manager or TSS answered for the TPM. */
  layer?: number;
  /** A one-line description: name, code in hex, what it refers to, the spec's text. */
  text: string;
  advice: string;
}

const hex = (n: number, width = 3): string => '0x' + n.toString(16).padStart(width, '0');

/** TPM_RC_RETRY, TPM_RC_YIELDED and TPM_RC_TESTING: the warnings worth resending on. */
export const RETRYABLE_CODES: ReadonlySet<number> = new Set([0x922, 0x908, 0x90a]);

/** Decodes a response code; never throws, whatever the value. */
export function describeResponseCode(code: number): DecodedResponseCode {
  code = code >>> 0;
  const layer = code >>> 16;
  const low = code & 0xffff;
  let name: string;
  let spec: string;
  let base: number;
  let format: 0 | 1 = 0;
  let kind: DecodedResponseCode['kind'];
  const where: string[] = [];
  const out: Partial<DecodedResponseCode> = {};
  if (low & 0x080) {
    format = 1;
    kind = 'error';
    const e = low & 0x03f;
    base = 0x080 | e;
    [name, spec] = FMT1[e] ?? [`TPM_RC_FMT1 + ${hex(e, 2)}`, 'unknown format-one error'];
    const n = (low >>> 8) & 0xf;
    if (low & 0x040) {
      out.parameter = n;
      where.push(`parameter ${n}`);
    } else if (n & 0x8) {
      out.session = n & 0x7;
      where.push(`session ${n & 0x7}`);
    } else if (n !== 0) {
      out.handle = n;
      where.push(`handle ${n}`);
    }
  } else if (!(low & 0x100)) {
    base = low;
    kind = 'tpm12';
    name = `TPM 1.2 code ${hex(low)}`;
    spec = 'not a TPM 2.0 response code (a TPM 1.2 device, or a wrong device?)';
  } else if (low & 0x400) {
    base = low;
    kind = 'vendor';
    name = `vendor code ${hex(low)}`;
    spec = 'vendor-defined response code (see the TPM vendor documentation)';
  } else if (low & 0x800) {
    base = low & 0x97f;
    kind = 'warning';
    [name, spec] = WARN[low & 0x07f] ?? [`TPM_RC_WARN + ${hex(low & 0x7f, 2)}`, 'unknown warning'];
  } else {
    base = low & 0x17f;
    kind = 'error';
    [name, spec] = VER1[low & 0x07f] ?? [`TPM_RC_VER1 + ${hex(low & 0x7f, 2)}`, 'unknown error'];
  }
  if (layer !== 0) {
    out.layer = layer;
    where.push(`from software layer ${layer}${layer === 11 ? ' (resource manager)' : ''}`);
  }
  const text = `${name} (${hex(code)}${where.length ? ', ' + where.join(', ') : ''}): ${spec}`;
  let advice =
    ADVICE[base] ??
    (kind === 'warning'
      ? 'This is a TPM warning: retry the command'
      : 'See TPM 2.0 Part 2 §6.6 for this code');
  const at = out.parameter
    ? `parameter ${out.parameter}`
    : out.handle
      ? `handle ${out.handle}`
      : out.session
        ? `authorization session ${out.session}`
        : '';
  if (at) advice = `Look at ${at} of the command. ${advice}`;
  return {
    code,
    name,
    base,
    format,
    kind,
    ...out,
    text,
    advice: advice.endsWith('.') ? advice : advice + '.',
  };
}
