import { existsSync } from 'node:fs';
import path from 'node:path';
import type { X509Certificate } from 'node:crypto';
import { loadTrustStore } from './ek-policy.ts';
import type { Workstation } from './workstation.ts';

/** The EK CA trust store folder: the setting, else `ek-trust/` in the data folder. */
export function trustStoreDir(ws: Workstation): string {
  return ws.store.getSetting('ek.trustStore') ?? path.join(ws.dataDir, 'ek-trust');
}

/** Loads the trust store; an absent folder is an empty store (every EK is then untrusted). */
export function loadWorkstationTrust(ws: Workstation, dir = trustStoreDir(ws)): X509Certificate[] {
  return existsSync(dir) ? loadTrustStore(dir) : [];
}
