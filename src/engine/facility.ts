import { createFacilityKey, publicKeyToPem, type EcPublicJwk } from '../manifest/facility-key.ts';
import type { Workstation } from './workstation.ts';

export interface FacilityKeyInfo {
  thumbprint: string;
  jwk: EcPublicJwk;
  pem: string;
  retired: string[];
}

/** Creates (or rotates to) a new facility key, sealed by the workstation's keyring; audited. */
export async function setUpFacilityKey(
  ws: Workstation,
  operator: string,
): Promise<FacilityKeyInfo> {
  ws.requireRole(operator, 'create facility keys', ['supervisor']);
  const created = ws.store.transaction(() => {
    const c = createFacilityKey(ws.store, ws.keyring);
    ws.store.audit({
      actor: operator,
      action: 'facility-key.create',
      details: { thumbprint: c.key.thumbprint, retired: c.retired },
    });
    return c;
  });
  return {
    thumbprint: created.key.thumbprint,
    jwk: created.key.jwk,
    pem: publicKeyToPem(created.key),
    retired: created.retired,
  };
}

/** First-run set-up as one step: keyring, station id, first supervisor, facility key. */
export async function setUpWorkstation(
  ws: Workstation,
  passphrase: string,
  supervisor: string,
  kdf?: { N: number; r: number; p: number },
): Promise<FacilityKeyInfo> {
  await ws.init(passphrase, supervisor, kdf);
  return setUpFacilityKey(ws, supervisor);
}
