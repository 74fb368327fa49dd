/**
 * Finds the TPM devices of this host: `/dev/tpmrmN` (each with its raw `/dev/tpmN`), and
 * what sysfs says about them (TPM major version, the firmware's description).
 */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface TpmDevice {
  /** The TPM name to use: `device:/dev/tpmrmN` (or the raw device when no RM exists). */
  name: string;
  path: string;
  rawPath: string | null;
  /** From sysfs tpm_version_major: 2 for TPM 2.0, 1 for TPM 1.2, null if unknown. */
  versionMajor: number | null;
  description: string | null;
}

async function readText(p: string): Promise<string | null> {
  try {
    return (await fs.readFile(p, 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

/** Lists TPM devices; `root` lets tests point at a fake /dev and /sys. */
export async function listTpmDevices(root = '/'): Promise<TpmDevice[]> {
  const dev = path.join(root, 'dev');
  const names = await fs.readdir(dev).catch(() => [] as string[]);
  const numbers = new Set<number>();
  for (const n of names) {
    const m = /^tpm(rm)?(\d+)$/.exec(n);
    if (m) numbers.add(Number(m[2]));
  }
  const out: TpmDevice[] = [];
  for (const num of [...numbers].sort((a, b) => a - b)) {
    const rm = names.includes(`tpmrm${num}`) ? path.join(dev, `tpmrm${num}`) : null;
    const raw = names.includes(`tpm${num}`) ? path.join(dev, `tpm${num}`) : null;
    const sys = path.join(root, 'sys/class/tpm', `tpm${num}`);
    const version = await readText(path.join(sys, 'tpm_version_major'));
    const description =
      (await readText(path.join(sys, 'device/description'))) ??
      (await readText(path.join(sys, 'device/firmware_node/description'))) ??
      (await readText(path.join(sys, 'device/modalias')));
    const shown = (p: string): string => '/' + path.relative(root, p);
    out.push({
      name: `device:${shown(rm ?? raw!)}`,
      path: shown(rm ?? raw!),
      rawPath: raw && rm ? shown(raw) : null,
      versionMajor: version === null ? null : Number(version) || null,
      description,
    });
  }
  return out;
}
