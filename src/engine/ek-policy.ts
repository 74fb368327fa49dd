import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TpmIdentity } from './tpm-ops.ts';

/**
 * EK certificate policy (step 2): the EK certificate must chain to a TPM vendor CA in the trust
 * store folder (PEM files) and certify the very EK public key read from the TPM.
 */

export interface EkCheck {
  ok: boolean;
  /** Plain-language reason when not ok. */
  reason?: string;
  /** Subjects from the EK certificate up to the trust anchor. */
  chain?: string[];
}

/** Loads every certificate in the PEM files of a folder (a file may hold several). */
export function loadTrustStore(dir: string): X509Certificate[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(pem|crt|cer)$/i.test(f));
  } catch (e) {
    throw new Error(`Cannot read the EK CA trust store ${dir}: ${(e as Error).message}`);
  }
  const certs: X509Certificate[] = [];
  for (const f of files) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    )) {
      try {
        certs.push(new X509Certificate(m[0]));
      } catch {
        throw new Error(`The trust store file ${f} holds a certificate that does not parse.`);
      }
    }
  }
  return certs;
}

function validNow(c: X509Certificate, at: Date): boolean {
  return new Date(c.validFrom) <= at && at <= new Date(c.validTo);
}

export function checkEkCertificate(
  identity: TpmIdentity,
  trust: X509Certificate[],
  at = new Date(),
): EkCheck {
  const pem = identity.ek.certificatePem;
  if (!pem) return { ok: false, reason: 'the TPM holds no EK certificate' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    return { ok: false, reason: 'the EK certificate in the TPM does not parse' };
  }
  const certKey = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!Buffer.from(certKey).equals(Buffer.from(identity.ek.spkiDer, 'base64'))) {
    return { ok: false, reason: 'the EK certificate certifies another key than the TPM’s EK' };
  }
  if (!validNow(cert, at))
    return { ok: false, reason: 'the EK certificate has expired or is not yet valid' };
  const chain = [cert.subject];
  let current = cert;
  for (let depth = 0; depth < 8; depth++) {
    const issuer = trust.find((t) => current.checkIssued(t) && current.verify(t.publicKey));
    if (!issuer) {
      return {
        ok: false,
        reason: `the EK certificate's issuer (${current.issuer.replace(/\n/g, ', ')}) is not in the trust store`,
        chain,
      };
    }
    if (!validNow(issuer, at)) {
      return { ok: false, reason: `the CA certificate ${issuer.subject} has expired`, chain };
    }
    chain.push(issuer.subject);
    // Every certificate in the trust store is a trust anchor (vendors often publish
    // intermediate CAs); climbing further only adds names to the chain shown.
    if (issuer.checkIssued(issuer) || !trust.some((t) => issuer.checkIssued(t) && t !== issuer)) {
      return { ok: true, chain };
    }
    current = issuer;
  }
  return { ok: true, chain };
}
