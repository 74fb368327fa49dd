import { TpmError, TpmFormatError, TpmTransportError } from '../tpm/errors.ts';
import type { DeviceFailure } from './events.ts';

/**
 * Turns what went wrong in a step into what the operator reads: what happened and what to do.
 * TPM response codes keep their number for the record.
 */
export function explainFailure(step: DeviceFailure['step'], e: unknown): DeviceFailure {
  if (e instanceof TpmTransportError) {
    // There is no per-slot retry: a new run skips the TPMs already done and starts this one
    // over, after removing what the failed attempt left in it.
    return {
      step,
      message: 'The TPM stopped answering: unplugged, unpowered or disconnected.',
      action:
        'Reseat the TPM, check its power and start the run again: TPMs already done are skipped.',
      detail: `${e.message.split('. ')[0]}.`,
    };
  }
  if (e instanceof TpmFormatError) {
    return {
      step,
      message: 'The TPM sent an answer that makes no sense.',
      action: 'Start the run again; if it happens again, set this TPM aside as faulty.',
      detail: e.message,
    };
  }
  if (e instanceof TpmError) {
    return {
      step,
      code: e.code,
      message: e.message,
      action: tpmAdvice(e),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    step,
    message: `${step === 'connect' ? 'Cannot reach the TPM' : `Step "${step}" failed`}: ${message}`,
    action:
      step === 'connect'
        ? 'Check the TPM name and that the TPM (or simulator) is running, then try again.'
        : 'Try this TPM once more; if it fails again, set it aside and report the message.',
  };
}

function tpmAdvice(e: TpmError): string {
  const base = e.baseCode;
  if (base === 0x921 || base === 0x0921) {
    return 'The TPM is in dictionary-attack lockout: wait for it to recover or clear the lockout, then retry.';
  }
  if (base === 0x902 || base === 0x903) {
    return 'The TPM ran out of object or session memory: power-cycle it and retry.';
  }
  return 'Set this TPM aside and report the response code to a supervisor.';
}
