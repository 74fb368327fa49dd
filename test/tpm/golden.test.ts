/**
 * Golden bytes: the exact command each method puts on the wire, field by field from Part 3,
 * and the parsing of responses (captured from swtpm / libtpms 0.9 where noted).
 */
import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TPM_ALG, TPM_CAP, TPM_PT, TPM_RH, TPM_SE, TPMA_NV } from '../../src/tpm/constants.ts';
import { fromHex, toHex } from '../../src/tpm/marshal.ts';
import { passwordAuth } from '../../src/tpm/session.ts';
import { ecdaaKeyTemplate, storagePrimaryEcc } from '../../src/tpm/templates.ts';
import { Tpm } from '../../src/tpm/tpm.ts';
import type { SendOptions, Transport } from '../../src/tpm/transport/transport.ts';

/** A transport that records commands and answers from a script. */
class Scripted implements Transport {
  readonly name = 'test:scripted';
  readonly sent: string[] = [];
  constructor(private readonly answers: string[]) {}
  async send(command: Uint8Array, _o: SendOptions): Promise<Uint8Array> {
    this.sent.push(toHex(command));
    const a = this.answers.shift();
    if (a === undefined) throw new Error('no scripted answer left');
    return fromHex(a);
  }
  async close(): Promise<void> {}
}

const hex = (s: string): string => s.replace(/\s+/g, '').toLowerCase();
/** A success response without sessions: header 8001, size, rc 0, then `params`. */
const ok = (params = ''): string => {
  const p = hex(params);
  return '8001' + (10 + p.length / 2).toString(16).padStart(8, '0') + '00000000' + p;
};
/** A success response with sessions and one password-session auth (nonce 0, continueSession, hmac 0). */
const okSessions = (handles: string, params: string, sessions = 1): string => {
  const p = hex(params);
  const body =
    hex(handles) + (p.length / 2).toString(16).padStart(8, '0') + p + '0000010000'.repeat(sessions);
  return '8002' + (10 + body.length / 2).toString(16).padStart(8, '0') + '00000000' + body;
};
/** The authorization area of one empty password session: size 9, TPM_RS_PW, nonce 0, continueSession, hmac 0. */
const PW = '00000009 40000009 0000 01 0000';

async function golden(
  answers: string[],
  run: (t: Tpm) => Promise<unknown>,
): Promise<{ sent: string[]; result: unknown }> {
  const transport = new Scripted(answers);
  const result = await run(new Tpm(transport, { nvBufferMax: 1024 }));
  return { sent: transport.sent, result };
}

describe('golden command bytes', () => {
  it('Startup(CLEAR), Shutdown(STATE), SelfTest(YES)', async () => {
    const { sent } = await golden([ok(), ok(), ok()], async (t) => {
      await t.Startup();
      await t.Shutdown(1);
      await t.SelfTest(true);
    });
    expect(sent).toEqual([
      hex('8001 0000000c 00000144 0000'),
      hex('8001 0000000c 00000145 0001'),
      hex('8001 0000000b 00000143 01'),
    ]);
  });

  it('GetRandom(4) — the same bytes tpm2_getrandom 4 sends', async () => {
    const { sent, result } = await golden([ok('0004 01020304')], (t) => t.GetRandom(4));
    expect(sent).toEqual([hex('8001 0000000c 0000017b 0004')]);
    expect(Array.from(result as Uint8Array)).toEqual([1, 2, 3, 4]);
  });

  it('GetCapability(TPM_PROPERTIES, NV_BUFFER_MAX, 1)', async () => {
    const { sent, result } = await golden([ok('00 00000006 00000001 0000012c 00000400')], (t) =>
      t.GetCapability(TPM_CAP.TPM_PROPERTIES, TPM_PT.NV_BUFFER_MAX, 1),
    );
    expect(sent).toEqual([hex('8001 00000016 0000017a 00000006 0000012c 00000001')]);
    expect(result).toEqual({
      moreData: false,
      capabilityData: { capability: 6, tpmProperties: [{ property: 0x12c, value: 1024 }] },
    });
  });

  it('CreatePrimary(TPM_RH_PLATFORM, ECC P-256 storage key)', async () => {
    // Response: handle 80000000, outPublic, creationData, creationHash, ticket, name: enough to parse.
    const outPublic = hex(`
      005a 0023 000b 00030072 0000 0006 0080 0043 0010 0003 0010
      0020 ${'11'.repeat(32)} 0020 ${'22'.repeat(32)}`);
    const creationData = hex(
      '0031 00000000 0000 00 000b 0022 000b' + '33'.repeat(32) + '0000 0000',
    );
    const params =
      outPublic + creationData + '0000' + '8021 4000000c 0000' + '0022 000b' + '44'.repeat(32);
    const { sent, result } = await golden([okSessions('80000000', params)], (t) =>
      t.CreatePrimary(TPM_RH.PLATFORM, storagePrimaryEcc()),
    );
    expect(sent).toEqual([
      hex(`8002 00000043 00000131 4000000c ${PW}
           0004 0000 0000
           001a 0023 000b 00030072 0000 0006 0080 0043 0010 0003 0010 0000 0000
           0000 00000000`),
    ]);
    expect(result).toMatchObject({
      objectHandle: 0x80000000,
      outPublic: { type: TPM_ALG.ECC, nameAlg: TPM_ALG.SHA256 },
    });
  });

  it('Create(parent, ECDAA BN_P256 key of domain.md §4) with a password', async () => {
    // Only the command bytes matter here: the empty response does not parse.
    const t = new Tpm(new Scripted([okSessions('', '')]));
    const sent = (t.transport as Scripted).sent;
    await t
      .Create(0x80000000, ecdaaKeyTemplate(), { auth: passwordAuth('pw') })
      .catch(() => undefined);
    expect(sent[0]).toBe(
      hex(`8002 00000045 00000153 80000000 0000000b 40000009 0000 01 0002 7077
           0004 0000 0000
           001a 0023 000b 00040072 0000 0010 001a 000b 0001 0010 0010 0000 0000
           0000 00000000`),
    );
  });

  it('Commit(key, P1 = (1, 2), s2, y2) and Sign(ECDAA, count)', async () => {
    const point = (x: string, y: string): string => {
      const body = '0001' + x + '0001' + y;
      return (body.length / 2).toString(16).padStart(4, '0') + body;
    };
    const commitResp = point('05', '06') + point('07', '08') + point('09', '0a') + '0003';
    const signResp = '001a 000b 0002 abcd 0002 ef01';
    const { sent, result } = await golden(
      [okSessions('', commitResp), okSessions('', signResp)],
      async (t) => {
        const c = await t.Commit(0x81800000, {
          P1: { x: Uint8Array.of(1), y: Uint8Array.of(2) },
          s2: Uint8Array.of(0, 0, 0, 0, 0x61),
          y2: Uint8Array.of(0x77),
        });
        const s = await t.Sign(0x81800000, new Uint8Array(32).fill(0xcc), {
          scheme: TPM_ALG.ECDAA,
          hashAlg: TPM_ALG.SHA256,
          count: c.counter,
        });
        return { c, s };
      },
    );
    expect(sent[0]).toBe(
      hex(`8002 0000002d 0000018b 81800000 ${PW} 0006 0001 01 0001 02 0005 0000000061 0001 77`),
    );
    expect(sent[1]).toBe(
      hex(
        `8002 0000004b 0000015d 81800000 ${PW} 0020 ${'cc'.repeat(32)} 001a 000b 0003 8024 40000007 0000`,
      ),
    );
    expect(result).toEqual({
      c: {
        K: { x: Uint8Array.of(5), y: Uint8Array.of(6) },
        L: { x: Uint8Array.of(7), y: Uint8Array.of(8) },
        E: { x: Uint8Array.of(9), y: Uint8Array.of(10) },
        counter: 3,
      },
      s: {
        sigAlg: TPM_ALG.ECDAA,
        kind: 'ecc',
        hash: TPM_ALG.SHA256,
        signatureR: fromHex('abcd'),
        signatureS: fromHex('ef01'),
      },
    });
  });

  it('NV_DefineSpace, NV_Write in chunks, NV_Read, NV_ReadPublic, NV_WriteLock, NV_UndefineSpace', async () => {
    const attrs = TPMA_NV.PPWRITE | TPMA_NV.AUTHREAD | TPMA_NV.PLATFORMCREATE; // 0x40040001
    const data = new Uint8Array(1500).map((_, i) => i & 0xff);
    const nvPublicResp = '000e 01410000 000b 40040001 0000 0102' + '0022 000b' + '55'.repeat(32);
    const { sent, result } = await golden(
      [
        okSessions('', ''),
        okSessions('', ''),
        okSessions('', ''),
        okSessions('', '0003 0a0b0c'),
        ok(nvPublicResp),
        okSessions('', ''),
        okSessions('', ''),
      ],
      async (t) => {
        await t.NV_DefineSpace(TPM_RH.PLATFORM, {
          nvIndex: 0x01410000,
          nameAlg: TPM_ALG.SHA256,
          attributes: attrs,
          authPolicy: new Uint8Array(),
          dataSize: 258,
        });
        await t.NV_Write(TPM_RH.PLATFORM, 0x01410000, data);
        const read = await t.NV_Read(0x01410000, 0x01410000, 3, 5);
        const pub = await t.NV_ReadPublic(0x01410000);
        await t.NV_WriteLock(TPM_RH.PLATFORM, 0x01410000);
        await t.NV_UndefineSpace(TPM_RH.PLATFORM, 0x01410000);
        return { read, pub };
      },
    );
    expect(sent[0]).toBe(
      hex(`8002 0000002d 0000012a 4000000c ${PW} 0000 000e 01410000 000b 40040001 0000 0102`),
    );
    // 1500 bytes with NV_BUFFER_MAX 1024: 1024 at offset 0, then 476 at offset 1024.
    expect(sent[1]!.slice(0, 2 * 33)).toBe(
      hex(`8002 00000423 00000137 4000000c 01410000 ${PW} 0400`),
    );
    expect(sent[1]!.slice(-4)).toBe('0000');
    expect(sent[2]!.slice(0, 2 * 33)).toBe(
      hex(`8002 000001ff 00000137 4000000c 01410000 ${PW} 01dc`),
    );
    expect(sent[2]!.slice(-4)).toBe('0400');
    expect(sent[3]).toBe(hex(`8002 00000023 0000014e 01410000 01410000 ${PW} 0003 0005`));
    expect(sent[4]).toBe(hex('8001 0000000e 00000169 01410000'));
    expect(sent[5]).toBe(hex(`8002 0000001f 00000138 4000000c 01410000 ${PW}`));
    expect(sent[6]).toBe(hex(`8002 0000001f 00000122 4000000c 01410000 ${PW}`));
    expect(result).toMatchObject({
      read: fromHex('0a0b0c'),
      pub: { nvPublic: { nvIndex: 0x01410000, attributes: attrs, dataSize: 258 } },
    });
  });

  it('EvictControl, FlushContext, ReadPublic', async () => {
    const { sent } = await golden([okSessions('', ''), ok(), ok('0000 0000 0000')], async (t) => {
      await t.EvictControl(TPM_RH.PLATFORM, 0x80000001, 0x81800000);
      await t.FlushContext(0x80000001);
      await t.ReadPublic(0x81800000).catch(() => undefined);
    });
    expect(sent).toEqual([
      hex(`8002 00000023 00000120 4000000c 80000001 ${PW} 81800000`),
      hex('8001 0000000e 00000165 80000001'),
      hex('8001 0000000e 00000173 81800000'),
    ]);
  });

  it('Load, ActivateCredential (two password authorizations), PolicyCommandCode', async () => {
    const { sent, result } = await golden(
      [
        okSessions('80000002', '0022 000b' + '77'.repeat(32)),
        okSessions('', '0004 deadbeef', 2),
        ok(),
      ],
      async (t) => {
        const loaded = await t.Load(0x80000000, fromHex('aabbcc'), ecdaaKeyTemplate());
        const certInfo = await t.ActivateCredential(
          0x80000002,
          0x81010001,
          fromHex('0102'),
          fromHex('0304'),
        );
        await t.PolicyCommandCode({ handle: 0x03000001 } as never, 0x11f);
        return { loaded, certInfo };
      },
    );
    expect(sent[0]).toBe(
      hex(`8002 0000003c 00000157 80000000 ${PW}
           0003 aabbcc
           001a 0023 000b 00040072 0000 0010 001a 000b 0001 0010 0010 0000 0000`),
    );
    // Two handles, two password sessions (authorization size 18), credentialBlob, secret.
    expect(sent[1]).toBe(
      hex(`8002 00000030 00000147 80000002 81010001
           00000012 40000009 0000 01 0000 40000009 0000 01 0000
           0002 0102 0002 0304`),
    );
    expect(sent[2]).toBe(hex('8001 00000012 0000016c 03000001 0000011f'));
    expect(result).toMatchObject({
      loaded: { objectHandle: 0x80000002 },
      certInfo: fromHex('deadbeef'),
    });
  });

  it('StartAuthSession(POLICY, SHA-256) and PolicySecret(ENDORSEMENT)', async () => {
    const { sent } = await golden(
      [ok('03000000 0020' + '66'.repeat(32)), okSessions('', '0000 8023 40000007 0000')],
      async (t) => {
        const s = await t.StartAuthSession(TPM_SE.POLICY, TPM_ALG.SHA256);
        expect(s.handle).toBe(0x03000000);
        await t.PolicySecret(TPM_RH.ENDORSEMENT, s);
      },
    );
    // nonceCaller is random: check the bytes around it.
    expect(sent[0]!.slice(0, 2 * 20)).toBe(hex('8001 0000003b 00000176 40000007 40000007 0020'));
    expect(sent[0]!.slice(2 * 52)).toBe(hex('0000 01 0010 000b'));
    expect(sent[1]).toBe(
      hex(`8002 00000029 00000151 4000000b 03000000 ${PW} 0000 0000 0000 00000000`),
    );
  });
});

describe('response parsing', () => {
  it('turns a failing response code into a TpmError naming the command', async () => {
    const t = new Tpm(new Scripted(['8001 0000000a 0000018b'.replace(/ /g, '')]));
    await expect(t.NV_ReadPublic(0x01410000)).rejects.toThrow(
      /^TPM2_NV_ReadPublic failed: TPM_RC_HANDLE \(0x18b, handle 1\)/,
    );
  });

  it('retries TPM_RC_RETRY and TPM_RC_TESTING with backoff, then succeeds', async () => {
    const transport = new Scripted(['80010000000a00000922', '80010000000a0000090a', ok('0001 2a')]);
    const t = new Tpm(transport, { retry: { firstDelayMs: 1 } });
    expect(Array.from(await t.GetRandom(1))).toEqual([42]);
    expect(transport.sent.length).toBe(3);
  });

  it('gives up retrying after maxAttempts and reports the warning', async () => {
    const transport = new Scripted(Array(5).fill('80010000000a00000922'));
    const t = new Tpm(transport, { retry: { firstDelayMs: 1, maxAttempts: 3 } });
    await expect(t.GetRandom(1)).rejects.toThrow(/TPM_RC_RETRY \(0x922\)/);
    expect(transport.sent.length).toBe(3);
  });

  it.each([
    [
      'a size field that disagrees with the length',
      '8001 0000000f 00000000 0001 2a',
      /responseSize says 15/,
    ],
    ['a wrong tag', '8002 0000000d 00000000 0001 2a', /tag is 0x8002/],
    ['a truncated parameter', '8001 0000000d 00000000 0004 2a', /truncated/],
    ['trailing bytes', '8001 0000000e 00000000 0001 2a ff', /unexpected bytes/],
    [
      'an oversized TPM2B',
      '8001 0000004d 00000000 0041' + '00'.repeat(65),
      /exceeds the maximum 64/,
    ],
  ])('refuses %s with a TpmFormatError', async (_what, bytes, message) => {
    const t = new Tpm(new Scripted([hex(bytes)]));
    const e = await t.GetRandom(1).catch((x: unknown) => x);
    expect((e as Error).name).toBe('TpmFormatError');
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).toMatch(/re-read the TPM's state/);
  });

  it('NV_UndefineSpaceSpecial(index, policy session) after PolicyCommandCode, with its HMAC', async () => {
    // An index with POLICY_DELETE (and PPWRITE): its public area (nameAlg SHA-256) and name.
    const nvPublic = hex(`01500000 000b 00000401 0020 ${'ab'.repeat(32)} 0008`);
    const nvName = '000b' + createHash('sha256').update(Buffer.from(nvPublic, 'hex')).digest('hex');
    const nonceTPM = '66'.repeat(32);
    // paramSize 0; the policy session answers with a new nonce and no HMAC, then the password.
    const undefined2Sessions = `00000000 0020 ${'77'.repeat(32)} 00 0000 0000010000`;
    const { sent } = await golden(
      [
        ok(`03000000 0020 ${nonceTPM}`),
        ok(),
        ok(`${(nvPublic.length / 2).toString(16).padStart(4, '0')} ${nvPublic} 0022 ${nvName}`),
        '8002 00000038 00000000'.replace(/ /g, '') + hex(undefined2Sessions),
      ],
      async (t) => {
        const s = await t.StartAuthSession(TPM_SE.POLICY, TPM_ALG.SHA256);
        await t.PolicyCommandCode(s, 0x11f);
        await t.NV_UndefineSpaceSpecial(0x01500000, s);
      },
    );
    expect(sent[1]).toBe(hex('8001 00000012 0000016c 03000000 0000011f'));
    expect(sent[2]).toBe(hex('8001 0000000e 00000169 01500000'));
    const cmd = sent[3]!;
    // Handles nvIndex, TPM_RH_PLATFORM; authorization: the policy session (nonce,
    // continueSession, HMAC) then the empty password for the platform.
    expect(cmd.slice(0, 2 * 22)).toBe(hex('8002 00000068 0000011f 01500000 4000000c 00000052'));
    expect(cmd.slice(2 * 22, 2 * 28)).toBe(hex('03000000 0020'));
    const nonceCaller = cmd.slice(2 * 28, 2 * 60);
    expect(cmd.slice(2 * 60, 2 * 63)).toBe(hex('01 0020'));
    const mac = cmd.slice(2 * 63, 2 * 95);
    expect(cmd.slice(2 * 95)).toBe(hex(PW).slice(8));
    // HMAC(key = empty: unbound, unsalted, no auth value; cpHash ‖ nonceCaller ‖ nonceTPM ‖ attrs)
    const cpHash = createHash('sha256')
      .update(Buffer.from('0000011f' + nvName + '4000000c', 'hex'))
      .digest();
    const expected = createHmac('sha256', Buffer.alloc(0))
      .update(Buffer.concat([cpHash, Buffer.from(nonceCaller + nonceTPM + '01', 'hex')]))
      .digest('hex');
    expect(mac).toBe(expected);
  });
});
