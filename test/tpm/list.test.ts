import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listTpmDevices } from '../../src/tpm/list.ts';
import { runCli } from '../helpers/run-cli.ts';
import { tempDir } from '../helpers/swtpm.ts';

/** A fake root with /dev/tpm0, /dev/tpmrm0, /dev/tpm1 (no RM) and their sysfs entries. */
const root = tempDir('ztp-list-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(path.join(root, 'dev'));
for (const d of ['tpm0', 'tpmrm0', 'tpm1', 'tty0']) writeFileSync(path.join(root, 'dev', d), '');
mkdirSync(path.join(root, 'sys/class/tpm/tpm0/device'), { recursive: true });
writeFileSync(path.join(root, 'sys/class/tpm/tpm0/tpm_version_major'), '2\n');
writeFileSync(path.join(root, 'sys/class/tpm/tpm0/device/description'), 'TPM 2.0 Device\n');
mkdirSync(path.join(root, 'sys/class/tpm/tpm1'), { recursive: true });
writeFileSync(path.join(root, 'sys/class/tpm/tpm1/tpm_version_major'), '1\n');

describe('ztp tpm list', () => {
  it('finds the TPM devices, preferring the resource manager', async () => {
    expect(await listTpmDevices(root)).toEqual([
      {
        name: 'device:/dev/tpmrm0',
        path: '/dev/tpmrm0',
        rawPath: '/dev/tpm0',
        versionMajor: 2,
        description: 'TPM 2.0 Device',
      },
      {
        name: 'device:/dev/tpm1',
        path: '/dev/tpm1',
        rawPath: null,
        versionMajor: 1,
        description: null,
      },
    ]);
  });

  it('prints them, or says there are none', async () => {
    const r = await runCli(['tpm', 'list'], { env: { ZTP_TPM_LIST_ROOT: root } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^NAME\s+TPM\s+DESCRIPTION\ndevice:\/dev\/tpmrm0\s+2\.x\s+TPM 2\.0 Device\n/,
    );
    const none = await runCli(['tpm', 'list'], {
      env: { ZTP_TPM_LIST_ROOT: path.join(root, 'nothing') },
    });
    expect(none.stdout.trim()).toBe('no TPM devices on this host (no /dev/tpmrm* or /dev/tpm*)');
  });
});
