// `ztp ecdaa …`: the same files and subcommands as Xaptum's `ecdaa` tool, so groups, members
// and signatures move between the two unchanged. Exit 0 when a check holds, 1 when it fails
// (one line saying which), 2 for usage errors or malformed files.
import { readFileSync, writeFileSync } from 'node:fs';
import { EXIT, UsageError, parseCommandArgs, requireOption, type CliIO } from '../args.ts';
import {
  EcdaaFormatError,
  MEMBER_SECRET_KEY_BYTES,
  checkCredentialBytes,
  checkSignatureBytes,
  extractGpk,
  generateIssuerKeyPair,
  generateMemberKeyPair,
  issueCredentialBytes,
  signBytes,
  verifyIssuerPublicKeyBytes,
  verifyMemberPublicKeyBytes,
} from '../../crypto/ecdaa.ts';
import { G1_BYTES } from '../../crypto/fp256bn.ts';

const USAGE = {
  issuerGenkeys: 'ztp ecdaa issuer genkeys -p IPK -s ISK',
  issueCredential: 'ztp ecdaa issuer issuecredential -p PK -s ISK -n NONCE -c CRED -r CREDSIG',
  extractGpk: 'ztp ecdaa extractgpk -p IPK -g GPK',
  memberGenkeys: 'ztp ecdaa member genkeys -n NONCE -p PK -s SK',
  processCredential: 'ztp ecdaa member processcredential -p PK -g GPK -c CRED -r CREDSIG',
  sign: 'ztp ecdaa member sign -s SK -c CRED -m MSGFILE [-b BSNFILE] -g SIG',
  verify:
    'ztp ecdaa verify -g GPK -m MSGFILE -s SIG [-b BSNFILE] [--sk-revocations FILE] ' +
    '[--bsn-revocations FILE]',
};
const ALL = [
  ...Object.values(USAGE),
  'NONCE is text (its UTF-8 bytes); the other arguments are files in Xaptum’s binary layouts.',
  'Revocation files: concatenated 32-byte member secret keys / 65-byte pseudonyms K.',
].join('\n');

function readInput(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read the ${what} file '${file}': ${(e as Error).message}`);
  }
}

/** Secret keys are written readable by their owner only. */
function writeOutput(file: string, bytes: Uint8Array, what: string, secret = false): void {
  try {
    writeFileSync(file, bytes, { mode: secret ? 0o600 : 0o644 });
  } catch (e) {
    const err = new Error(`cannot write the ${what} file '${file}': ${(e as Error).message}`);
    throw Object.assign(err, { exitCode: EXIT.ENVIRONMENT });
  }
}

/** Splits a revocation file into fixed-size records. */
function readList(file: string | undefined, size: number, what: string): Uint8Array[] {
  if (file === undefined) return [];
  const bytes = readInput(file, what);
  if (bytes.length % size !== 0) {
    throw new UsageError(
      `the ${what} file '${file}' holds ${bytes.length} bytes, not a multiple of ${size}`,
    );
  }
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length; o += size) out.push(bytes.subarray(o, o + size));
  return out;
}

const s = (short: string) => ({ type: 'string', short }) as const;

function issuerGenkeys(argv: string[], io: CliIO): number {
  const u = USAGE.issuerGenkeys;
  const { values } = parseCommandArgs(argv, { ipk: s('p'), isk: s('s') }, u);
  const ipkFile = requireOption(values.ipk, 'ipk (-p)', u);
  const iskFile = requireOption(values.isk, 'isk (-s)', u);
  const { ipk, isk } = generateIssuerKeyPair();
  writeOutput(iskFile, isk, 'issuer secret key', true);
  writeOutput(ipkFile, ipk, 'issuer public key');
  io.out(`issuer key pair written: public ${ipkFile}, secret ${iskFile}`);
  return EXIT.OK;
}

function extractGpkCmd(argv: string[], io: CliIO): number {
  const u = USAGE.extractGpk;
  const { values } = parseCommandArgs(argv, { ipk: s('p'), gpk: s('g') }, u);
  const ipk = readInput(requireOption(values.ipk, 'ipk (-p)', u), 'issuer public key');
  const gpkFile = requireOption(values.gpk, 'gpk (-g)', u);
  if (!verifyIssuerPublicKeyBytes(ipk)) {
    io.err('issuer public key: the proof of the issuer secret key does not hold');
    return EXIT.FAILED;
  }
  writeOutput(gpkFile, extractGpk(ipk), 'group public key');
  io.out(`group public key written to ${gpkFile}`);
  return EXIT.OK;
}

function issueCredentialCmd(argv: string[], io: CliIO): number {
  const u = USAGE.issueCredential;
  const opts = { pk: s('p'), isk: s('s'), nonce: s('n'), cred: s('c'), credsig: s('r') };
  const { values } = parseCommandArgs(argv, opts, u);
  const pk = readInput(requireOption(values.pk, 'pk (-p)', u), 'member public key');
  const isk = readInput(requireOption(values.isk, 'isk (-s)', u), 'issuer secret key');
  const nonce = new TextEncoder().encode(requireOption(values.nonce, 'nonce (-n)', u));
  const credFile = requireOption(values.cred, 'cred (-c)', u);
  const credSigFile = requireOption(values.credsig, 'credsig (-r)', u);
  if (!verifyMemberPublicKeyBytes(pk, nonce)) {
    io.err('member public key: the join proof does not hold for this nonce');
    return EXIT.FAILED;
  }
  const { credential, credentialSignature } = issueCredentialBytes(pk, isk);
  writeOutput(credFile, credential, 'credential');
  writeOutput(credSigFile, credentialSignature, 'credential signature');
  io.out(`credential written: ${credFile}, signature ${credSigFile}`);
  return EXIT.OK;
}

function memberGenkeys(argv: string[], io: CliIO): number {
  const u = USAGE.memberGenkeys;
  const { values } = parseCommandArgs(argv, { nonce: s('n'), pk: s('p'), sk: s('s') }, u);
  const nonce = new TextEncoder().encode(requireOption(values.nonce, 'nonce (-n)', u));
  const pkFile = requireOption(values.pk, 'pk (-p)', u);
  const skFile = requireOption(values.sk, 'sk (-s)', u);
  const { pk, sk } = generateMemberKeyPair(nonce);
  writeOutput(skFile, sk, 'member secret key', true);
  writeOutput(pkFile, pk, 'member public key');
  io.out(`member key pair written: public ${pkFile}, secret ${skFile}`);
  return EXIT.OK;
}

function processCredential(argv: string[], io: CliIO): number {
  const u = USAGE.processCredential;
  const opts = { pk: s('p'), gpk: s('g'), cred: s('c'), credsig: s('r') };
  const { values } = parseCommandArgs(argv, opts, u);
  const failure = checkCredentialBytes(
    readInput(requireOption(values.cred, 'cred (-c)', u), 'credential'),
    readInput(requireOption(values.credsig, 'credsig (-r)', u), 'credential signature'),
    readInput(requireOption(values.pk, 'pk (-p)', u), 'member public key'),
    readInput(requireOption(values.gpk, 'gpk (-g)', u), 'group public key'),
  );
  if (failure) {
    io.err(failure);
    return EXIT.FAILED;
  }
  io.out('credential OK');
  return EXIT.OK;
}

function sign(argv: string[], io: CliIO): number {
  const u = USAGE.sign;
  const opts = { sk: s('s'), cred: s('c'), message: s('m'), basename: s('b'), sig: s('g') };
  const { values } = parseCommandArgs(argv, opts, u);
  const sk = readInput(requireOption(values.sk, 'sk (-s)', u), 'member secret key');
  const cred = readInput(requireOption(values.cred, 'cred (-c)', u), 'credential');
  const message = readInput(requireOption(values.message, 'message (-m)', u), 'message');
  const basename = values.basename === undefined ? undefined : readBasename(values.basename);
  const sigFile = requireOption(values.sig, 'sig (-g)', u);
  writeOutput(sigFile, signBytes(sk, cred, message, basename), 'signature');
  io.out(`signature written to ${sigFile}`);
  return EXIT.OK;
}

/** An empty basename file means "no basename", as in Xaptum's tool. */
function readBasename(file: string): Uint8Array | undefined {
  const bsn = readInput(file, 'basename');
  return bsn.length === 0 ? undefined : bsn;
}

function verify(argv: string[], io: CliIO): number {
  const u = USAGE.verify;
  const opts = {
    gpk: s('g'),
    message: s('m'),
    sig: s('s'),
    basename: s('b'),
    'sk-revocations': { type: 'string' },
    'bsn-revocations': { type: 'string' },
  } as const;
  const { values } = parseCommandArgs(argv, opts, u);
  const gpk = readInput(requireOption(values.gpk, 'gpk (-g)', u), 'group public key');
  const message = readInput(requireOption(values.message, 'message (-m)', u), 'message');
  const sig = readInput(requireOption(values.sig, 'sig (-s)', u), 'signature');
  const basename = values.basename === undefined ? undefined : readBasename(values.basename);
  const revocations = {
    secretKeys: readList(
      values['sk-revocations'],
      MEMBER_SECRET_KEY_BYTES,
      'secret-key revocation',
    ),
    basenames: readList(values['bsn-revocations'], G1_BYTES, 'basename revocation'),
  };
  const failure = checkSignatureBytes(sig, message, gpk, basename, revocations);
  if (failure) {
    io.err(failure);
    return EXIT.FAILED;
  }
  io.out('signature OK');
  return EXIT.OK;
}

type Handler = (argv: string[], io: CliIO) => number;
const COMMANDS: Record<string, Handler | Record<string, Handler>> = {
  issuer: { genkeys: issuerGenkeys, issuecredential: issueCredentialCmd },
  member: { genkeys: memberGenkeys, processcredential: processCredential, sign },
  extractgpk: extractGpkCmd,
  verify,
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '--help' || first === '-h' || first === 'help') {
    io.out(ALL);
    return EXIT.OK;
  }
  const own = <T>(table: Record<string, T>, key: string | undefined) =>
    key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
  let handler = own(COMMANDS, first);
  let args = rest;
  if (handler && typeof handler !== 'function') {
    const [second, ...more] = rest;
    handler = own(handler, second);
    args = more;
  }
  if (typeof handler !== 'function') {
    throw new UsageError(`unknown subcommand '${argv.slice(0, 2).join(' ')}'`, ALL);
  }
  try {
    return handler(args, io);
  } catch (e) {
    // A malformed key, credential or signature file is an input error: exit 2, like usage.
    if (e instanceof EcdaaFormatError) throw new UsageError(`malformed input: ${e.message}`);
    throw e;
  }
}
