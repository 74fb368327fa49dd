import { EXIT, parseCommandArgs, type CliIO } from '../args.ts';
import { describeDrive, freeBytes, listRemovableDrives } from '../../drives/drives.ts';

const USAGE = 'ztp drives [--json] [--include-loop] [--root DIR]';

/** Lists mounted removable drives that `--to` of an export accepts. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(
    argv,
    {
      json: { type: 'boolean' },
      'include-loop': { type: 'boolean' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    USAGE,
  );
  if (values.help) {
    io.out(`usage: ${USAGE}`);
    return EXIT.OK;
  }
  const root = values.root ?? process.env.ZTP_DRIVES_ROOT ?? '/';
  const drives = await listRemovableDrives({ root, includeLoop: values['include-loop'] });
  const withFree = await Promise.all(
    drives.map(async (d) => ({
      ...d,
      // statfs only means something on the live system, not under a fake root.
      freeBytes: root === '/' ? await freeBytes(d.mountPoint).catch(() => null) : null,
    })),
  );
  if (values.json) {
    io.out(JSON.stringify(withFree, null, 2));
  } else if (withFree.length === 0) {
    io.out('No removable drive is mounted. Insert a USB drive and mount it, then run this again.');
  } else {
    for (const d of withFree) {
      const free = d.freeBytes === null ? '' : `  ${(d.freeBytes / 1e9).toFixed(1)} GB free`;
      io.out(describeDrive(d) + free);
    }
  }
  return EXIT.OK;
}
