/**
 * The simulated-TPM fixture: `ztp sim start/stop` daemons, instances owned by a process
 * (they die with it, even when it is killed), unique and template identities, restarts on
 * saved state, and EK certificates that chain to the local CA.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Simulator } from '../../src/sim/simulator.ts';
import { TPM_ALG, TPM_RH, TPMA_NV } from '../../src/tpm/constants.ts';
import type { TpmInfo } from '../../src/tpm/probe.ts';
import { REPO_ROOT } from '../helpers/paths.ts';
import { runCli } from '../helpers/run-cli.ts';
import { tempDir } from '../helpers/swtpm.ts';

const dirs: string[] = [];
function dir(): string {
  const d = tempDir('ztp-sim-');
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitDead(pid: number, ms = 3000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return !alive(pid);
}

describe('ztp sim start / status / stop', () => {
  it('starts daemons that outlive the CLI, reports them, and stops exactly those', async () => {
    const d = dir();
    const other = await Simulator.create(dir(), { identity: 'template' });
    const bystander = await other.startFresh();
    try {
      const start = await runCli([
        'sim',
        'start',
        '--count',
        '2',
        '--dir',
        d,
        '--template',
        '--json',
      ]);
      expect(start.stderr).toBe('');
      expect(start.code).toBe(0);
      const started = JSON.parse(start.stdout) as {
        caCertPath: string;
        issuerCertPath: string;
        tpms: { name: string; pid: number; stateDir: string }[];
      };
      expect(started.tpms).toHaveLength(2);
      for (const t of started.tpms) expect(alive(t.pid)).toBe(true);

      const info = await runCli(['tpm', 'info', '--tpm', started.tpms[0]!.name, '--json']);
      expect(info.code).toBe(0);
      const probe = JSON.parse(info.stdout) as TpmInfo;
      expect(probe).toMatchObject({ manufacturer: 'IBM', ecdaa: true, bnP256: true });
      expect(probe.ek.map((e) => [e.type, e.handle, e.certificate?.nvIndex])).toEqual([
        ['rsa2048', '0x81010001', '0x01c00002'],
        ['ecc-nist-p384', '0x81010016', '0x01c00016'],
      ]);
      // Each EK certificate chains to the local CA in DIR, and certifies the key the TPM holds.
      const root = new crypto.X509Certificate(readFileSync(started.caCertPath));
      const issuer = new crypto.X509Certificate(readFileSync(started.issuerCertPath));
      expect(issuer.verify(root.publicKey)).toBe(true);
      for (const ek of probe.ek) {
        const cert = new crypto.X509Certificate(ek.certificate!.pem);
        expect(cert.verify(issuer.publicKey)).toBe(true);
        expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(ek.publicKeyPem);
      }

      const text = await runCli(['tpm', 'info', '--tpm', started.tpms[1]!.name]);
      expect(text.stdout).toMatch(/^manufacturer\s+IBM \(0x49424d00, IBM\)$/m);
      expect(text.stdout).toMatch(/^ECDAA\s+yes\s+BN_P256: yes$/m);
      expect(text.stdout).toMatch(/^EK\s+rsa2048 \(L-1\) at 0x81010001$/m);
      expect(text.stdout).toMatch(/^\s+certificate: NV 0x01c00016, issuer CN=swtpm-localca$/m);

      const status = await runCli(['sim', 'status', '--dir', d]);
      expect(status.stdout).toContain(started.tpms[1]!.name);

      const stop = await runCli(['sim', 'stop', '--dir', d]);
      expect(stop.stdout.trim()).toBe('stopped 2 simulated TPM(s)');
      for (const t of started.tpms) expect(await waitDead(t.pid)).toBe(true);
      expect(alive(bystander.pid)).toBe(true);
      expect((await runCli(['sim', 'stop', '--dir', d])).stdout.trim()).toBe(
        'stopped 0 simulated TPM(s)',
      );
    } finally {
      await runCli(['sim', 'stop', '--dir', d]);
      await other.stopAll();
    }
  });

  it('refuses bad arguments with the usage', async () => {
    const r = await runCli(['sim', 'start', '--count', 'many', '--dir', '/tmp/x']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--count must be a whole number/);
    const bad = await runCli(['tpm', 'info', '--tpm', 'tpm0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/'tpm0' is not a TPM name/);
    const absent = await runCli(['tpm', 'info', '--tpm', 'swtpm:tcp://127.0.0.1:1']);
    expect(absent.code).toBe(3);
    expect(absent.stderr).toMatch(/cannot connect to 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});

describe('TCP instances', () => {
  it('serve on 127.0.0.1 ports named swtpm:tcp://…, control channel on the next port', async () => {
    const sim = await Simulator.create(dir(), { identity: 'template', tcp: true });
    try {
      const i = await sim.startFresh();
      expect(i.name).toMatch(/^swtpm:tcp:\/\/127\.0\.0\.1:\d+$/);
      const t = await i.openTpm();
      expect((await t.GetRandom(8)).length).toBe(8);
      await t.transport.close();
      await t.control!.init();
      await t.ensureStarted();
      expect((await t.GetRandom(8)).length).toBe(8);
      await t.close();
    } finally {
      await sim.stopAll();
    }
  });
});

describe('owned instances', () => {
  it('die with the process that started them, even when it is killed', async () => {
    const d = dir();
    const script = `
      import { Simulator } from ${JSON.stringify(path.join(REPO_ROOT, 'src/sim/simulator.ts'))};
      const sim = await Simulator.create(${JSON.stringify(d)}, { identity: 'template' });
      const i = await sim.startFresh();
      console.log(i.pid);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const pid = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => resolve(Number(b.toString().trim())));
      child.on('exit', (code) => reject(new Error(`child exited ${code}`)));
    });
    expect(alive(pid)).toBe(true);
    child.kill('SIGKILL');
    expect(await waitDead(pid)).toBe(true);
  });

  it('unique identities differ; a restart keeps the state; a saved state starts again', async () => {
    const sim = await Simulator.create(dir(), { identity: 'unique' });
    try {
      const [a, b] = await sim.startMany(2);
      const ta = await a!.openTpm();
      const tb = await b!.openTpm();
      const ekA = (await ta.ReadPublic(0x81010001)).name;
      const ekB = (await tb.ReadPublic(0x81010001)).name;
      expect(Buffer.from(ekA)).not.toEqual(Buffer.from(ekB));

      const nv = {
        nvIndex: 0x01410001,
        nameAlg: TPM_ALG.SHA256,
        attributes: TPMA_NV.PPWRITE | TPMA_NV.AUTHREAD | TPMA_NV.PLATFORMCREATE,
        authPolicy: new Uint8Array(),
        dataSize: 4,
      };
      await ta.NV_DefineSpace(TPM_RH.PLATFORM, nv);
      await ta.NV_Write(TPM_RH.PLATFORM, nv.nvIndex, Uint8Array.of(1, 2, 3, 4));
      await ta.transport.close();
      await a!.restart();
      expect(Array.from(await ta.NV_Read(nv.nvIndex, nv.nvIndex, 4))).toEqual([1, 2, 3, 4]);
      await ta.close();
      await tb.close();

      // The operator's next chip: stop it, keep its folder, later start swtpm on it again.
      await a!.stop();
      const again = await sim.startOn(a!.dir);
      const t = await again.openTpm();
      expect(Buffer.from((await t.ReadPublic(0x81010001)).name)).toEqual(Buffer.from(ekA));
      await t.close();
      await expect(sim.startOn(path.join(sim.dir, 'nowhere'))).rejects.toThrow(
        /holds no TPM state/,
      );
    } finally {
      await sim.stopAll();
    }
  });
});
