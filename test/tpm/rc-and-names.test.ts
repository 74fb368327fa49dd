import { describe, expect, it } from 'vitest';
import { describeResponseCode } from '../../src/tpm/rc.ts';
import { parseTpmName, openTransport } from '../../src/tpm/transport/open.ts';

describe('response codes (Part 2 §6.6)', () => {
  it.each([
    [0x100, { name: 'TPM_RC_INITIALIZE', format: 0, kind: 'error', base: 0x100 }],
    [0x14c, { name: 'TPM_RC_NV_DEFINED', format: 0, kind: 'error' }],
    [0x922, { name: 'TPM_RC_RETRY', kind: 'warning', base: 0x922 }],
    [0x902, { name: 'TPM_RC_OBJECT_MEMORY', kind: 'warning' }],
    [0x98e, { name: 'TPM_RC_AUTH_FAIL', format: 1, session: 1, base: 0x08e }],
    [0x1c4, { name: 'TPM_RC_VALUE', format: 1, parameter: 1 }],
    [0x2c4, { name: 'TPM_RC_VALUE', format: 1, parameter: 2 }],
    [0x18b, { name: 'TPM_RC_HANDLE', format: 1, handle: 1 }],
    [0x285, { name: 'TPM_RC_HIERARCHY', format: 1, handle: 2 }],
    [0xa9d, { name: 'TPM_RC_POLICY_FAIL', format: 1, session: 2 }],
    [0x0b0143, { name: 'TPM_RC_COMMAND_CODE', layer: 11 }],
    [0x0005, { kind: 'tpm12' }],
    [0x0500, { kind: 'vendor' }],
  ])('decodes %i', (code, expected) => {
    expect(describeResponseCode(code)).toMatchObject(expected);
  });

  it('says what happened and what to do', () => {
    const d = describeResponseCode(0x98e);
    expect(d.text).toBe(
      'TPM_RC_AUTH_FAIL (0x98e, session 1): the authorization HMAC check failed and DA counter incremented',
    );
    expect(d.advice).toMatch(/dictionary-attack lockout/);
    expect(describeResponseCode(0x1d5).advice).toMatch(/parameter 1/);
  });

  it('never throws, whatever the value', () => {
    for (let i = 0; i < 20000; i++) {
      const code = Math.floor(Math.random() * 2 ** 32);
      expect(describeResponseCode(code).text.length).toBeGreaterThan(0);
    }
  });
});

describe('TPM names', () => {
  it('parses each documented form', () => {
    expect(parseTpmName('device:/dev/tpmrm0')).toEqual({
      kind: 'device',
      path: '/dev/tpmrm0',
      raw: false,
    });
    expect(parseTpmName('device:/dev/tpm1')).toEqual({
      kind: 'device',
      path: '/dev/tpm1',
      raw: true,
    });
    expect(parseTpmName('swtpm:tcp://127.0.0.1:2321')).toEqual({
      kind: 'swtpm',
      data: { host: '127.0.0.1', port: 2321 },
      ctrl: { host: '127.0.0.1', port: 2322 },
    });
    expect(parseTpmName('swtpm:tcp://[::1]:2321?ctrl=4000')).toMatchObject({
      ctrl: { host: '::1', port: 4000 },
    });
    expect(parseTpmName('swtpm:unix:/run/t/swtpm.sock')).toEqual({
      kind: 'swtpm',
      data: { path: '/run/t/swtpm.sock' },
      ctrl: { path: '/run/t/swtpm.sock.ctrl' },
    });
    expect(parseTpmName('swtpm:unix:/a/d.sock?ctrl=/a/c.sock')).toMatchObject({
      ctrl: { path: '/a/c.sock' },
    });
  });

  it.each([
    'tpm0',
    'device:/dev/sda',
    'device:/dev/tpmrm',
    'swtpm:tcp://host',
    'swtpm:tcp://host:99999',
    'swtpm:udp://host:1',
    'swtpm:unix:relative.sock',
    'swtpm:tcp://h:1?ctrl=x',
  ])('refuses %s with a message naming the forms', (name) => {
    expect(() => parseTpmName(name)).toThrow(/is not a TPM name: .*Use device:\/dev\/tpmrmN/);
  });

  it('refuses the raw device unless forced, and warns when forced', () => {
    expect(() => openTransport('device:/dev/tpm0')).toThrow(/use \/dev\/tpmrm0, or force/);
    const warnings: string[] = [];
    openTransport('device:/dev/tpm0', { forceRawDevice: true, onWarning: (m) => warnings.push(m) });
    expect(warnings[0]).toMatch(/raw TPM device: no resource manager/);
  });
});
