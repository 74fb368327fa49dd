import { mkdirSync, statfsSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A fake USB stick for src/drives: a folder mounted nowhere, described by a fake root with
 * /proc/mounts, the sysfs tree of a USB mass-storage disk and a udev by-label link, exactly the
 * files listRemovableDrives reads on a real machine. Exports land in `mountPoint`.
 */
export function makeFakeUsbDrive(
  root: string,
  label = 'ZTP-EXPORT',
): { root: string; mountPoint: string; device: string } {
  const mountPoint = path.join(root, 'media', label);
  mkdirSync(mountPoint, { recursive: true });
  mkdirSync(path.join(root, 'proc'), { recursive: true });
  writeFileSync(
    path.join(root, 'proc', 'mounts'),
    `sysfs /sys sysfs rw 0 0\n/dev/sdz1 ${mountPoint} ext4 rw,relatime 0 0\n`,
  );
  const usbDisk = path.join(
    root,
    'sys/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0/host7/target7:0:0/7:0:0:0/block/sdz',
  );
  mkdirSync(path.join(usbDisk, 'sdz1'), { recursive: true });
  mkdirSync(path.join(usbDisk, 'device'), { recursive: true });
  // Sizes in 512-byte sectors, those of the file system the folder lives on, so that the free
  // space the app reads (statfs of the real mount) fits inside the drive's size.
  const fs = statfsSync(mountPoint);
  const sectors = Math.floor((fs.blocks * fs.bsize) / 512);
  writeFileSync(path.join(usbDisk, 'size'), `${sectors}\n`);
  writeFileSync(path.join(usbDisk, 'removable'), '1\n');
  writeFileSync(path.join(usbDisk, 'ro'), '0\n');
  writeFileSync(path.join(usbDisk, 'device', 'vendor'), 'SanDisk\n');
  writeFileSync(path.join(usbDisk, 'device', 'model'), 'Ultra Fit\n');
  writeFileSync(path.join(usbDisk, 'sdz1', 'partition'), '1\n');
  writeFileSync(path.join(usbDisk, 'sdz1', 'size'), `${sectors - 2048}\n`);
  mkdirSync(path.join(root, 'sys/class/block'), { recursive: true });
  mkdirSync(path.join(root, 'sys/block'), { recursive: true });
  symlinkSync(path.join(usbDisk, 'sdz1'), path.join(root, 'sys/class/block/sdz1'));
  symlinkSync(usbDisk, path.join(root, 'sys/block/sdz'));
  mkdirSync(path.join(root, 'dev/disk/by-label'), { recursive: true });
  symlinkSync('../../sdz1', path.join(root, 'dev/disk/by-label', label));
  return { root, mountPoint, device: '/dev/sdz1' };
}
