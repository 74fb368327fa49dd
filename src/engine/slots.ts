import { readdirSync } from 'node:fs';
import { getProfile, hex32, type LayoutProfile } from './profiles.ts';
import { TpmLayerOps, identityFromProbe } from './tpm-adapter.ts';
import { probeTpm } from '../tpm/probe.ts';
import type { Store } from '../store/store.ts';

/** The TPMs of this host: the kernel's resource-managed devices. */
export function hostTpmDevices(devDir = '/dev'): string[] {
  let names: string[];
  try {
    names = readdirSync(devDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^tpmrm\d+$/.test(n))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))
    .map((n) => `device:${devDir}/${n}`);
}

/** TPM endpoints configured on this workstation (simulators, remote fixtures). */
export function configuredEndpoints(store: Store): string[] {
  const raw = store.getSetting('tpm.endpoints');
  return raw ? (JSON.parse(raw) as string[]) : [];
}

export function setConfiguredEndpoints(store: Store, names: string[]): void {
  store.setSetting('tpm.endpoints', JSON.stringify([...new Set(names)]));
}

export interface SlotReport {
  tpmName: string;
  reachable: boolean;
  error?: string;
  deviceId?: string;
  manufacturer?: string;
  firmwareVersion?: string;
  ecdaa?: boolean;
  bnP256?: boolean;
  platformAuth?: boolean;
  persistentAvailable?: number;
  nvBufferMax?: number;
  /** Objects already at the profile's handles. */
  occupied?: string[];
  /** Whether this workstation has a record of the TPM, and its state. */
  known?: { batchId: string; status: string };
  /** Can the TPM be provisioned under the profile? With the reasons when not. */
  ready: boolean;
  reasons: string[];
}

/** Looks at one TPM without changing it: identity and whether it can be provisioned. */
export async function inspectSlot(
  store: Store,
  tpmName: string,
  profile: LayoutProfile = getProfile('xtt-platform'),
): Promise<SlotReport> {
  let ops: TpmLayerOps | undefined;
  try {
    ops = await TpmLayerOps.open(tpmName, { timeoutMs: 10_000 });
    const info = await probeTpm(ops.tpm, { recreateEks: true });
    const id = identityFromProbe(info);
    const occupied: string[] = [];
    if ((await ops.readPersistentKey(profile.keyHandle)) !== undefined) {
      occupied.push(`key ${hex32(profile.keyHandle)}`);
    }
    for (const index of Object.values(profile.nv)) {
      if (await ops.nvPublic(index)) occupied.push(`NV ${hex32(index)}`);
    }
    const live = store.liveDevice(id.deviceId);
    const reasons: string[] = [];
    if (!info.ecdaa) reasons.push('no ECDAA');
    if (!info.bnP256) reasons.push('no BN_P256 curve');
    if (profile.hierarchy === 'platform' && info.auth.platformEmpty !== true) {
      reasons.push('platform authorization unavailable');
    }
    if (info.limits.persistentAvailable < 1 && occupied.length === 0) {
      reasons.push('no room for a persistent key');
    }
    if (live?.status === 'provisioned') reasons.push(`already provisioned (batch ${live.batchId})`);
    else if (occupied.length > 0 && live?.status !== 'in_progress') {
      reasons.push('objects of another batch or tool at our handles');
    }
    return {
      tpmName,
      reachable: true,
      deviceId: id.deviceId,
      manufacturer: info.manufacturer,
      firmwareVersion: info.firmwareVersion,
      ecdaa: info.ecdaa,
      bnP256: info.bnP256,
      platformAuth: info.auth.platformEmpty === true,
      persistentAvailable: info.limits.persistentAvailable,
      nvBufferMax: info.limits.nvBufferMax,
      occupied,
      known: live ? { batchId: live.batchId, status: live.status } : undefined,
      ready: reasons.length === 0,
      reasons,
    };
  } catch (e) {
    return {
      tpmName,
      reachable: false,
      error: (e as Error).message,
      ready: false,
      reasons: ['not reachable'],
    };
  } finally {
    await ops?.close().catch(() => undefined);
  }
}
