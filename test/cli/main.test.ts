import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';

describe('bin/ztp', () => {
  it('prints the command list with --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: ztp <command>/);
  });

  it('rejects an unknown command with exit 2 and the usage', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'no-such-command'");
    expect(r.stderr).toContain('usage: ztp');
  });

  it('prints the version from package.json', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each([
    ['tpm', 'info'],
    ['sim', 'start'],
    ['ecdaa', 'verify'],
    ['manifest', 'verify'],
    ['provision', '--batch'],
  ])('prints the usage of ztp %s %s on --help and exits 0', async (...words) => {
    const r = await runCli([...words, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: ztp /);
    expect(r.stdout).toContain(`ztp ${words.join(' ')}`);
  });
});

describe('exit codes', () => {
  it('3 for a store written by a newer version, 2 for unknown batch options or a bad facility', async () => {
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { default: Database } = await import('better-sqlite3');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ztp-exit-'));
    const db = new Database(path.join(dir, 'ztp.db'));
    db.pragma('user_version = 99');
    db.close();
    const newer = await runCli(['batch', 'list'], { env: { ZTP_DATA_DIR: dir } });
    expect(newer.stderr).toMatch(/written by a newer ZTP Workstation \(schema 99/);
    expect(newer.code).toBe(3);
    for (const bad of [
      ['--profile', 'nope'],
      ['--ek-policy', 'maybe'],
    ]) {
      const r = await runCli(['batch', 'create', '--name', 'x', '--operator', 'a', ...bad], {
        env: { ZTP_DATA_DIR: dir },
      });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^ztp batch: unknown /);
    }
    const facility = await runCli(['init', '--operator', 'a', '--facility', 'Lab\n1'], {
      env: { ZTP_DATA_DIR: path.join(dir, 'fresh'), ZTP_PASSPHRASE: 'long enough passphrase' },
    });
    expect(facility.code).toBe(2);
    expect(facility.stderr).toMatch(/without control characters/);
  });
});
