// Registers every subcommand: one line per top-level word; each module exports `main`.
import { registerCommand } from '../registry.ts';

registerCommand(
  'init',
  'set up this workstation: passphrase, first supervisor, facility key',
  () => import('./init.ts'),
);
registerCommand('batch', 'create, list, show and close batches', () => import('./batch.ts'));
registerCommand('device', 'list and show provisioned devices', () => import('./device.ts'));
registerCommand(
  'operator',
  'add and list operators and their roles',
  () => import('./operator.ts'),
);
registerCommand('audit', 'list and verify the audit trail', () => import('./audit.ts'));
registerCommand(
  'ecdaa',
  'ECDAA keys, credentials and signatures (Xaptum ecdaa tool files)',
  () => import('./ecdaa.ts'),
);
registerCommand(
  'label',
  'render, parse and check batch labels (QR with the GPK)',
  () => import('./label.ts'),
);
registerCommand(
  'print',
  'print batch labels via CUPS or raw ZPL; list printers, job state',
  () => import('./print.ts'),
);
registerCommand(
  'manifest',
  'verify a signed batch manifest; prove and check one device',
  () => import('./manifest.ts'),
);
registerCommand('drives', 'list mounted removable drives for exports', () => import('./drives.ts'));
registerCommand(
  'facility-key',
  'create, show and export the facility signing key',
  () => import('./facility-key.ts'),
);
registerCommand(
  'slots',
  'list the TPMs in reach and whether each can be provisioned',
  () => import('./slots.ts'),
);
registerCommand(
  'provision',
  'provision TPMs into a batch (parallel, journaled, resumable)',
  () => import('./provision.ts'),
);
registerCommand(
  'tpm',
  'probe a TPM (vendor, firmware, ECDAA, EKs and certificates); list TPM devices',
  () => import('./tpm.ts'),
);
registerCommand(
  'sim',
  'start, list and stop simulated TPMs (swtpm) with EK certificates from a local CA',
  () => import('./sim.ts'),
);
registerCommand(
  'demo',
  'the whole job on simulated TPMs (the README main command)',
  () => import('./demo.ts'),
);
