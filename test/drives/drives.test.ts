import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportFolderOnDrive,
  findDrive,
  listRemovableDrives,
  parseProcMounts,
} from '../../src/drives/drives.ts';
import { writeExport } from '../../src/manifest/export.ts';
import { verifyManifestFile } from '../../src/manifest/verify.ts';
import { runCli } from '../helpers/run-cli.ts';
import { manifestInput, realDevices, testSigner } from '../manifest/fixture.ts';

/** Builds a fake root with the sysfs shapes the kernel uses for USB, SATA, MMC and zram. */
async function fakeRoot(root: string): Promise<void> {
  const dev = async (
    devPath: string,
    disk: string,
    part: string | null,
    extra: Record<string, string>,
  ) => {
    const diskDir = path.join(root, 'sys/devices', devPath, 'block', disk);
    await mkdir(path.join(diskDir, 'device'), { recursive: true });
    for (const [f, v] of Object.entries(extra)) await writeFile(path.join(diskDir, f), v + '\n');
    await mkdir(path.join(root, 'sys/block'), { recursive: true });
    await mkdir(path.join(root, 'sys/class/block'), { recursive: true });
    await symlink(
      path.relative(path.join(root, 'sys/block'), diskDir),
      path.join(root, 'sys/block', disk),
    );
    await symlink(
      path.relative(path.join(root, 'sys/class/block'), diskDir),
      path.join(root, 'sys/class/block', disk),
    );
    await writeFile(path.join(diskDir, 'size'), '62521344\n');
    if (part) {
      const partDir = path.join(diskDir, part);
      await mkdir(partDir, { recursive: true });
      await writeFile(path.join(partDir, 'partition'), '1\n');
      await writeFile(path.join(partDir, 'size'), '62519296\n');
      await symlink(
        path.relative(path.join(root, 'sys/class/block'), partDir),
        path.join(root, 'sys/class/block', part),
      );
    }
  };
  await dev('pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/host6/target6:0:0/6:0:0:0', 'sdb', 'sdb1', {
    removable: '1',
    ro: '0',
    'device/vendor': 'SanDisk ',
    'device/model': 'Ultra Fit       ',
  });
  await dev('pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0', 'sda', 'sda2', {
    removable: '0',
    ro: '0',
  });
  await dev('platform/mmc0/mmc0:0001', 'mmcblk0', 'mmcblk0p1', { removable: '0', ro: '0' });
  await dev('virtual', 'zram0', null, { removable: '1', ro: '0' });
  await mkdir(path.join(root, 'proc'), { recursive: true });
  await writeFile(
    path.join(root, 'proc/mounts'),
    [
      'sysfs /sys sysfs rw,nosuid 0 0',
      '/dev/sda2 / ext4 rw,relatime 0 0',
      '/dev/sdb1 /media/op/FACTORY\\040USB vfat rw,nosuid,nodev 0 0',
      '/dev/mmcblk0p1 /media/op/sd exfat ro,nosuid 0 0',
      '/dev/zram0 /tmp ext4 rw 0 0',
      '',
    ].join('\n'),
  );
  await mkdir(path.join(root, 'dev/disk/by-label'), { recursive: true });
  await symlink('../../sdb1', path.join(root, 'dev/disk/by-label/FACTORY\\x20USB'));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'ztp-drives-'));
  await fakeRoot(path.join(dir, 'root'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('removable drives', () => {
  it('parses /proc/mounts with its octal escapes', () => {
    expect(parseProcMounts('/dev/sdb1 /media/a\\040b vfat rw,ro 0 0\n')).toEqual([
      { source: '/dev/sdb1', mountPoint: '/media/a b', fsType: 'vfat', options: ['rw', 'ro'] },
    ]);
  });

  it('lists the USB stick and the SD card, not the system disk or zram', async () => {
    const drives = await listRemovableDrives({ root: path.join(dir, 'root') });
    expect(drives).toEqual([
      {
        device: '/dev/sdb1',
        disk: 'sdb',
        mountPoint: '/media/op/FACTORY USB',
        fsType: 'vfat',
        label: 'FACTORY USB',
        readOnly: false,
        sizeBytes: 62519296 * 512,
        bus: 'usb',
        vendor: 'SanDisk',
        model: 'Ultra Fit',
      },
      expect.objectContaining({
        device: '/dev/mmcblk0p1',
        bus: 'mmc',
        readOnly: true,
        label: null,
      }),
    ]);
    expect(findDrive('FACTORY USB', drives)?.device).toBe('/dev/sdb1');
    expect(findDrive('/dev/sdb1', drives)?.mountPoint).toBe('/media/op/FACTORY USB');
    expect(findDrive('/media/op/sd/', drives)?.disk).toBe('mmcblk0');
    expect(findDrive('/home/op', drives)).toBeUndefined();
    expect(exportFolderOnDrive(drives[0]!, 'B/1')).toBe('/media/op/FACTORY USB/ztp-batch-B_1');
  });

  it('`ztp drives` prints them', async () => {
    const r = await runCli(['drives', '--root', path.join(dir, 'root')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\/dev\/sdb1 +FACTORY USB +\/media\/op\/FACTORY USB +vfat +32\.0 GB +usb +SanDisk Ultra Fit/,
    );
  });
});

/** A real ext4 file system on a loop device: needs root and a kernel that allows it. */
function tryLoopMount(image: string, mountPoint: string): string | null {
  try {
    execFileSync('truncate', ['-s', '32M', image]);
    execFileSync('mkfs.ext4', ['-q', '-F', '-L', 'ZTPLOOP', image]);
    execFileSync('mount', ['-o', 'loop', image, mountPoint], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return (e as Error).message.split('\n')[0] ?? 'mount failed';
  }
}

describe('export to a loop-mounted file system', () => {
  const mnt = () => path.join(dir, 'mnt');
  let skipWhy: string | null = null;

  beforeAll(async () => {
    await mkdir(mnt(), { recursive: true });
    skipWhy =
      process.getuid?.() !== 0 ? 'not root' : tryLoopMount(path.join(dir, 'usb.img'), mnt());
    if (skipWhy) console.warn(`loop-mount tests skipped: ${skipWhy}`);
  });
  afterAll(() => {
    if (!skipWhy) execFileSync('umount', [mnt()]);
  });

  it('finds the loop device as a drive and exports to it atomically, then verifies from it', async (ctx) => {
    if (skipWhy) ctx.skip();
    const drives = await listRemovableDrives({ includeLoop: true });
    const drive = findDrive(mnt(), drives);
    expect(drive?.bus).toBe('loop');
    expect(drive?.fsType).toBe('ext4');
    expect(await listRemovableDrives()).not.toContainEqual(
      expect.objectContaining({ mountPoint: mnt() }),
    );

    const signer = testSigner(5);
    const folder = exportFolderOnDrive(drive!, 'B-2025-0001');
    const result = await writeExport(folder, manifestInput(realDevices(2), signer.thumbprint), {
      signer,
    });
    expect(result.verification.ok).toBe(true);
    // No temporary file is left behind, and the manifest verifies from the drive again.
    expect((await readdir(folder)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = await verifyManifestFile(path.join(folder, 'manifest.json'), { skipEcdaa: true });
    expect(again.ok).toBe(true);
    expect(again.keySource).toBe('beside-manifest');
    expect((await readFile(path.join(folder, 'SHA256SUMS'), 'utf8')).split('\n')).toHaveLength(6);
  });
});
