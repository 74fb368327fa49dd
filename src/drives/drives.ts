import { readdir, readFile, readlink, realpath, statfs, access } from 'node:fs/promises';
import path from 'node:path';

/**
 * Mounted removable drives, read from /proc/mounts and sysfs rather than `lsblk` (which
 * `drivelist` wraps, and which reports zram as removable). A partition's disk is found from
 * its sysfs path; the disk counts as removable when `/sys/block/<disk>/removable` is 1 or it
 * hangs off a USB bus. Every path is taken under `root`, so tests run against a fake tree.
 */

export type DriveBus = 'usb' | 'mmc' | 'removable' | 'loop';

export interface RemovableDrive {
  /** The mounted block device, e.g. /dev/sdb1. */
  device: string;
  /** Its whole disk, e.g. sdb. */
  disk: string;
  mountPoint: string;
  fsType: string;
  label: string | null;
  readOnly: boolean;
  sizeBytes: number | null;
  bus: DriveBus;
  vendor: string | null;
  model: string | null;
}

export interface ListDrivesOptions {
  /** File-system root holding proc/, sys/ and dev/ (default "/"). */
  root?: string;
  /** Also list loop devices (for tests and demos on a loop-mounted image). */
  includeLoop?: boolean;
}

/** File systems that cannot be an export target even on a removable disk. */
const SKIPPED_FS = new Set(['squashfs', 'iso9660', 'udf', 'autofs']);

/** /proc/mounts escapes space, tab, newline and backslash as octal (fstab(5)). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  options: string[];
}

export function parseProcMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({
      source: unescapeMountField(f[0]!),
      mountPoint: unescapeMountField(f[1]!),
      fsType: f[2]!,
      options: f[3]!.split(','),
    });
  }
  return out;
}

async function readText(file: string): Promise<string | null> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return null;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** udev's by-label links escape unsafe bytes as \xHH. */
function decodeUdevLabel(name: string): string {
  return name.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) =>
    String.fromCharCode(parseInt(h, 16)),
  );
}

async function labelsByDevice(root: string): Promise<Map<string, string>> {
  const dir = path.join(root, 'dev/disk/by-label');
  const map = new Map<string, string>();
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return map;
  }
  for (const name of names) {
    try {
      map.set(path.basename(await readlink(path.join(dir, name))), decodeUdevLabel(name));
    } catch {
      // Not a link: not udev's.
    }
  }
  return map;
}

/** The kernel name of a mount source (/dev/sdb1 → sdb1; /dev/disk/by-uuid/… followed). */
async function kernelName(root: string, source: string): Promise<string | null> {
  if (!source.startsWith('/dev/')) return null;
  if (source.startsWith('/dev/disk/')) {
    try {
      const target = await readlink(path.join(root, source));
      return path.basename(target);
    } catch {
      return null;
    }
  }
  return path.basename(source);
}

export async function listRemovableDrives(
  options: ListDrivesOptions = {},
): Promise<RemovableDrive[]> {
  const root = options.root ?? '/';
  const mountsText = await readText(path.join(root, 'proc/mounts'));
  if (mountsText === null) {
    throw new Error(`cannot read ${path.join(root, 'proc/mounts')}: is /proc mounted?`);
  }
  const labels = await labelsByDevice(root);
  const drives: RemovableDrive[] = [];
  for (const m of parseProcMounts(mountsText)) {
    if (SKIPPED_FS.has(m.fsType)) continue;
    const name = await kernelName(root, m.source);
    if (!name || name.startsWith('zram') || name.startsWith('ram')) continue;
    let sysPath: string;
    try {
      sysPath = await realpath(path.join(root, 'sys/class/block', name));
    } catch {
      continue;
    }
    const isPartition = await exists(path.join(sysPath, 'partition'));
    const disk = isPartition ? path.basename(path.dirname(sysPath)) : name;
    const diskSys = path.join(root, 'sys/block', disk);
    let diskReal = sysPath;
    try {
      diskReal = await realpath(diskSys);
    } catch {
      // Keep the partition's path: its parent is the disk.
    }
    let bus: DriveBus | null = null;
    if (disk.startsWith('loop')) {
      if (options.includeLoop) bus = 'loop';
    } else if (diskReal.includes('/usb')) {
      bus = 'usb';
    } else if (disk.startsWith('mmcblk')) {
      bus = 'mmc';
    } else if ((await readText(path.join(diskSys, 'removable'))) === '1') {
      bus = 'removable';
    }
    if (!bus) continue;
    const sectors = Number(await readText(path.join(sysPath, 'size')));
    const vendor = await readText(path.join(diskSys, 'device/vendor'));
    const model = await readText(path.join(diskSys, 'device/model'));
    drives.push({
      device: `/dev/${name}`,
      disk,
      mountPoint: m.mountPoint,
      fsType: m.fsType,
      label: labels.get(name) ?? null,
      readOnly: m.options.includes('ro') || (await readText(path.join(diskSys, 'ro'))) === '1',
      // sysfs sizes count 512-byte sectors whatever the device's own sector size.
      sizeBytes: Number.isFinite(sectors) && sectors > 0 ? sectors * 512 : null,
      bus,
      vendor: vendor || null,
      model: model || null,
    });
  }
  return drives;
}

/** Free bytes on a mounted file system (the real one: statfs needs the live mount). */
export async function freeBytes(mountPoint: string): Promise<number> {
  const s = await statfs(mountPoint);
  return s.bavail * s.bsize;
}

/**
 * Finds the drive that `to` names: its device (/dev/sdb1), its kernel name (sdb1), its label
 * or its mount point. Undefined when `to` names none of them (then it is a plain folder).
 */
export function findDrive(to: string, drives: RemovableDrive[]): RemovableDrive | undefined {
  const normal = path.resolve(to);
  return drives.find(
    (d) =>
      d.device === to ||
      path.basename(d.device) === to ||
      (d.label !== null && d.label === to) ||
      path.resolve(d.mountPoint) === normal,
  );
}

/** The folder an export of `batchId` goes to on a drive. */
export function exportFolderOnDrive(drive: RemovableDrive, batchId: string): string {
  return path.join(drive.mountPoint, `ztp-batch-${batchId.replace(/[^A-Za-z0-9._-]/g, '_')}`);
}

/** One line per drive for the CLI and logs. */
export function describeDrive(d: RemovableDrive): string {
  const size = d.sizeBytes === null ? '?' : `${(d.sizeBytes / 1e9).toFixed(1)} GB`;
  const name = [d.vendor, d.model].filter(Boolean).join(' ');
  return `${d.device}  ${d.label ?? '(no label)'}  ${d.mountPoint}  ${d.fsType}  ${size}  ${d.bus}${d.readOnly ? '  read-only' : ''}${name ? `  ${name}` : ''}`;
}
