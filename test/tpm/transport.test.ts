/**
 * Transports under trouble: a TPM that stops answering, vanishes mid-command, or is not
 * there; cancellation; one command in flight; reconnection. And the Linux device transport,
 * against a fake device made of two FIFOs and a small responder process.
 */
import { execFileSync, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TPM_CAP } from '../../src/tpm/constants.ts';
import { TpmFormatError, TpmTransportError } from '../../src/tpm/errors.ts';
import { Tpm, openTpm } from '../../src/tpm/tpm.ts';
import { DeviceTransport } from '../../src/tpm/transport/device.ts';
import { tempDir, useSwtpm } from '../helpers/swtpm.ts';

const fx = useSwtpm(1);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function elapsed<T>(p: Promise<T>): Promise<{ ms: number; error: unknown }> {
  const t0 = performance.now();
  const error = await p.then(
    () => null,
    (e: unknown) => e,
  );
  return { ms: performance.now() - t0, error };
}

describe('swtpm socket transport', () => {
  it('serializes concurrent commands: one in flight at a time', async () => {
    const t = fx.tpms[0]!;
    const all = await Promise.all(Array.from({ length: 25 }, (_, i) => t.GetRandom(8 + i)));
    all.forEach((r, i) => expect(r.length).toBe(8 + i));
  });

  it('fails within the timeout when the TPM stops answering, then reconnects', async () => {
    const instance = fx.instances[0]!;
    await fx.tpms[0]!.transport.close(); // swtpm serves one connection at a time
    const t = await instance.openTpm({ timeoutMs: 300 });
    await t.GetRandom(4);
    process.kill(instance.pid, 'SIGSTOP');
    try {
      const { ms, error } = await elapsed(t.GetRandom(4));
      expect(error).toBeInstanceOf(TpmTransportError);
      expect((error as Error).message).toMatch(/no response to TPM2_GetRandom within 300 ms/);
      expect(ms).toBeLessThan(1500);
    } finally {
      process.kill(instance.pid, 'SIGCONT');
    }
    expect((await t.GetRandom(4)).length).toBe(4);
    await t.close();
  });

  it('can cancel the command in flight', async () => {
    const instance = fx.instances[0]!;
    const t = fx.tpms[0]!;
    await t.GetRandom(1);
    process.kill(instance.pid, 'SIGSTOP');
    try {
      const pending = elapsed(t.GetCapability(TPM_CAP.ALGS, 0, 100));
      setTimeout(() => t.cancel(), 100);
      const { ms, error } = await pending;
      expect(error).toBeInstanceOf(TpmTransportError);
      expect((error as Error).message).toMatch(/TPM2_GetCapability was canceled/);
      expect(ms).toBeLessThan(1000);
    } finally {
      process.kill(instance.pid, 'SIGCONT');
    }
    expect((await t.GetRandom(2)).length).toBe(2);
  });

  it('reports a TPM that vanishes mid-command at once, and works again after a restart', async () => {
    const instance = fx.instances[0]!;
    const t = fx.tpms[0]!;
    await t.GetRandom(4);
    process.kill(instance.pid, 'SIGSTOP');
    const pending = elapsed(t.GetRandom(4));
    await new Promise((r) => setTimeout(r, 50));
    process.kill(instance.pid, 'SIGKILL');
    const { ms, error } = await pending;
    expect(error).toBeInstanceOf(TpmTransportError);
    expect((error as Error).message).toMatch(
      /(connection closed by the TPM|connection lost \(ECONNRESET\)) during TPM2_GetRandom/,
    );
    expect(ms).toBeLessThan(1000);
    // Once the process is gone (under load the kernel may take a moment), nobody answers.
    for (let i = 0; i < 200 && isAlive(instance.pid); i++)
      await new Promise((r) => setTimeout(r, 10));
    const refused = await t.GetRandom(4).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TpmTransportError);
    expect((refused as Error).message).toMatch(
      /cannot connect to unix socket .*ENOENT|ECONNREFUSED/,
    );
    await instance.restart();
    expect((await t.GetRandom(4)).length).toBe(4);
  });

  it('reports a TPM that is not there', async () => {
    const t = await openTpm('swtpm:tcp://127.0.0.1:1');
    const e = await t.GetRandom(1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmTransportError);
    expect((e as Error).message).toMatch(
      /^swtpm:tcp:\/\/127\.0\.0\.1:1: cannot connect to 127\.0\.0\.1:1 \(ECONNREFUSED\)/,
    );
  });

  it('sends Shutdown, power-cycles through the control channel, then Startup', async () => {
    const t = fx.tpms[0]!;
    await t.Shutdown(); // orderly, as firmware does before a power cycle
    await t.transport.close();
    await t.control!.init();
    const e = await t.GetRandom(1).catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/TPM_RC_INITIALIZE/);
    await t.ensureStarted();
    await t.control!.setLocality(0);
    expect((await t.GetRandom(1)).length).toBe(1);
  });
});

describe('Linux device transport (fake device: two FIFOs)', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('ztp-dev-');
    execFileSync('mkfifo', [path.join(dir, 'cmd'), path.join(dir, 'rsp')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A responder: reads one command per line of `answers` and writes that hex answer back. */
  function responder(answers: string[], { silent = false } = {}) {
    const script = `
import sys
answers = sys.argv[3:]
cmd = open(sys.argv[1], 'rb', buffering=0)
rsp = open(sys.argv[2], 'wb', buffering=0)
for a in answers:
    head = cmd.read(10)
    if len(head) < 10: break
    size = int.from_bytes(head[2:6], 'big')
    cmd.read(size - 10)
    if a != 'silent': rsp.write(bytes.fromhex(a))
import time; time.sleep(${silent ? 5 : 0.2})
`;
    return spawn(
      'python3',
      ['-c', script, path.join(dir, 'cmd'), path.join(dir, 'rsp'), ...answers],
      {
        stdio: 'ignore',
      },
    );
  }

  it('sends a command and reads the whole response without blocking the event loop', async () => {
    const child = responder(['80010000000e000000000002abcd', '80010000000e000000000002ef01']);
    const t = new Tpm(
      new DeviceTransport('device:test', path.join(dir, 'cmd'), path.join(dir, 'rsp')),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      expect(Array.from(await t.GetRandom(2))).toEqual([0xab, 0xcd]);
      expect(Array.from(await t.GetRandom(2))).toEqual([0xef, 0x01]);
    } finally {
      clearInterval(timer);
      await t.close();
      child.kill();
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('times out on a device that never answers, and rejects a garbage size', async () => {
    const child = responder(['silent'], { silent: true });
    const t = new Tpm(
      new DeviceTransport('device:test', path.join(dir, 'cmd'), path.join(dir, 'rsp')),
      {
        timeoutMs: 300,
      },
    );
    const { ms, error } = await elapsed(t.GetRandom(2));
    expect(error).toBeInstanceOf(TpmTransportError);
    expect(ms).toBeLessThan(1500);
    await t.close();
    child.kill();
    const bad = responder(['8001ffffffff00000000']);
    const t2 = new Tpm(
      new DeviceTransport('device:test', path.join(dir, 'cmd'), path.join(dir, 'rsp')),
    );
    const e = await t2.GetRandom(2).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmFormatError);
    await t2.close();
    bad.kill();
  });

  it('says what to do when the device is missing', async () => {
    const t = await openTpm('device:/dev/tpmrm97');
    const e = await t.GetRandom(1).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TpmTransportError);
    expect((e as Error).message).toMatch(
      /cannot open \/dev\/tpmrm97: no such device: is the TPM driver loaded/,
    );
  });
});
