// Worker-thread side of CryptoPool: runs one byte-level ECDAA call per message, so pairings
// never block the thread that serves the UI. Each worker keeps its own GPK pairing tables.
import { parentPort } from 'node:worker_threads';
import * as ecdaa from './ecdaa.ts';
import type { PoolOp, PoolRequest, PoolResponse } from './pool.ts';

const ops: { [K in PoolOp]: (...args: never[]) => unknown } = {
  generateIssuerKeyPair: () => ecdaa.generateIssuerKeyPair(),
  verifyIssuerPublicKey: ecdaa.verifyIssuerPublicKeyBytes,
  verifyMemberPublicKey: ecdaa.verifyMemberPublicKeyBytes,
  issueCredential: (memberPk: Uint8Array, isk: Uint8Array) =>
    ecdaa.issueCredentialBytes(memberPk, isk),
  verifyCredential: ecdaa.verifyCredentialBytes,
  checkCredential: ecdaa.checkCredentialBytes,
  sign: (sk: Uint8Array, cred: Uint8Array, msg: Uint8Array, bsn?: Uint8Array) =>
    ecdaa.signBytes(sk, cred, msg, bsn),
  verifySignature: ecdaa.verifySignatureBytes,
  randomizeCredential: (credential: Uint8Array) => ecdaa.randomizeCredentialBytes(credential),
  checkSignature: ecdaa.checkSignatureBytes,
  checkSignatures: ecdaa.checkSignaturesBytes,
};

const port = parentPort;
if (!port) throw new Error('pool-worker.ts must run in a worker thread');

port.on('message', (req: PoolRequest) => {
  let res: PoolResponse;
  try {
    const fn = ops[req.op] as (...args: unknown[]) => unknown;
    res = { id: req.id, ok: true, value: fn(...req.args) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    res = { id: req.id, ok: false, error: { name: err.name, message: err.message } };
  }
  port.postMessage(res);
});
