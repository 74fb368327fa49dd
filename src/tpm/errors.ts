/**
 * The three ways a TPM command can fail, each saying what to do next (style.md):
 * - TpmError: the TPM answered with a response code. The command did not run (or ran and was
 *   refused); fix the cause named in the message.
 * - TpmTransportError: the bytes did not make it there and back. Reconnect (the next command
 *   does so by itself) and re-read the TPM's state before repeating anything that changes it.
 * - TpmFormatError: the TPM answered with bytes that do not parse. The command may have run:
 *   re-read the TPM's state before retrying.
 */
import { describeResponseCode, type DecodedResponseCode } from './rc.ts';

export class TpmError extends Error {
  /** The decoded response code (format, parameter/handle/session, spec name, advice). */
  readonly rc: DecodedResponseCode;
  constructor(
    /** The Part 3 name of the command, e.g. `NV_Write`. */
    readonly command: string,
    readonly code: number,
  ) {
    const rc = describeResponseCode(code);
    super(`TPM2_${command} failed: ${rc.text}. ${rc.advice}`);
    this.name = 'TpmError';
    this.rc = rc;
  }
  /** The code with handle/parameter/session numbers removed (e.g. 0x98e → 0x08e). */
  get baseCode(): number {
    return this.rc.base;
  }
}

export class TpmTransportError extends Error {
  constructor(
    readonly tpm: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${tpm}: ${message}. Check that the TPM is connected and running; the next command ` +
        `reconnects, but re-read the TPM's state before repeating a command that changes it.`,
      options,
    );
    this.name = 'TpmTransportError';
  }
}

export class TpmFormatError extends Error {
  constructor(
    /** The command whose response could not be parsed, or '' for a bare structure. */
    readonly command: string,
    readonly detail: string,
  ) {
    super(
      `${command ? `TPM2_${command}: ` : ''}malformed TPM response: ${detail}. The command may ` +
        `have run: re-read the TPM's state before retrying.`,
    );
    this.name = 'TpmFormatError';
  }
}

/** Thrown by the Reader for malformed bytes; the command layer rewraps it with the command name. */
export class MarshalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MarshalError';
  }
}
