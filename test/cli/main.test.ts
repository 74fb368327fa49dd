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
