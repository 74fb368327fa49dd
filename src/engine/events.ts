/**
 * What the provisioning engine tells its watchers (CLI progress bars, the desktop app's
 * station screen). Plain data: it crosses the Electron IPC bridge as it is.
 */

/** The steps of one device, in order (issue: "One device, step by step"). */
export const STEPS = [
  'identify',
  'ek-policy',
  'key',
  'ek-binding',
  'join',
  'nv',
  'selftest',
] as const;
export type StepName = (typeof STEPS)[number];

export const STEP_LABELS: Record<StepName, string> = {
  identify: 'Reading TPM identity',
  'ek-policy': 'Checking EK certificate',
  key: 'Creating ECDAA key',
  'ek-binding': 'Binding key to EK',
  join: 'Joining the group',
  nv: 'Writing NV memory',
  selftest: 'Self-test signature',
};

export interface DeviceFailure {
  step: StepName | 'connect' | 'rollback';
  /** The TPM's response code, when the TPM refused a command. */
  code?: number;
  /** What happened, in plain words. */
  message: string;
  /** What the operator should do next. */
  action: string;
  /** The low-level text behind `message` (transport error, endpoint), for the record. */
  detail?: string;
}

/** The step a device failed at, as the operator reads it. */
export const FAILURE_STEP_LABELS: Record<DeviceFailure['step'], string> = {
  connect: 'Connecting to the TPM',
  ...STEP_LABELS,
  rollback: 'Rolling back',
};

export type SlotState = 'waiting' | 'working' | 'provisioned' | 'failed' | 'skipped';

export interface SlotEvent {
  type: 'slot';
  slot: string;
  tpmName: string;
  state: SlotState;
  step?: StepName;
  /** 0-based index of `step` in STEPS; progress = (stepIndex + 1) / STEPS.length when done. */
  stepIndex?: number;
  deviceId?: string;
  /** The TPM's manufacturer and firmware version, sent from the end of `identify` on. */
  vendor?: string;
  firmware?: string;
  failure?: DeviceFailure;
  /** Why a slot was skipped (e.g. the TPM is already provisioned). */
  message?: string;
}

export interface DeviceEvent {
  type: 'device';
  slot: string;
  tpmName: string;
  deviceId: string;
  batchId: string;
  status: 'provisioned' | 'failed';
  failure?: DeviceFailure;
  elapsedMs: number;
  /** Sum of TPM command round trips for this device. */
  tpmMs: number;
}

export interface RunEvent {
  type: 'run';
  state: 'started' | 'finished' | 'stopping';
  batchId: string;
  provisioned: number;
  failed: number;
  skipped: number;
  elapsedMs: number;
}

export type ProvisionEvent = SlotEvent | DeviceEvent | RunEvent;
