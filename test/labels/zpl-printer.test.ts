// Raw ZPL to a network label printer: a fake printer on loopback receives the exact bytes.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PrintError,
  parsePrinterTarget,
  printLabels,
  renderLabel,
  sendRawZpl,
  type LabelAuditEvent,
} from '../../src/labels/index.ts';
import { fakePrinter, sampleInfo } from './helpers.ts';

let printer: Awaited<ReturnType<typeof fakePrinter>>;
beforeAll(async () => {
  printer = await fakePrinter();
});
afterAll(() => printer.close());

/** A loopback port with nothing listening: bind, note the port, close. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('raw ZPL printing', () => {
  it('delivers the ZPL byte for byte and reports it to the audit trail', async () => {
    const info = sampleInfo();
    const zpl = await renderLabel(info, 'zebra-4x2', 'zpl', { copies: 2 });
    const events: LabelAuditEvent[] = [];
    const job = printer.nextJob();
    const sent = await sendRawZpl('127.0.0.1', printer.port, zpl, {
      copies: 2,
      audit: { operator: 'alice', batchId: info.batchId, onAudit: (e) => events.push(e) },
    });
    expect(Buffer.from(await job).equals(Buffer.from(zpl))).toBe(true);
    expect(sent.bytesSent).toBe(zpl.length);
    expect(events).toEqual([
      expect.objectContaining({
        type: 'label.printed',
        operator: 'alice',
        batchId: info.batchId,
        printer: `zpl://127.0.0.1:${printer.port}`,
        copies: 2,
        format: 'zpl',
      }),
    ]);
  });

  it('printLabels renders with ^PQ copies and records a reprint with its reason', async () => {
    const info = sampleInfo();
    const events: LabelAuditEvent[] = [];
    const job = printer.nextJob();
    const result = await printLabels({
      info,
      template: 'zebra-4x6',
      printer: parsePrinterTarget(`zpl://127.0.0.1:${printer.port}`),
      copies: 4,
      operator: 'bob',
      reprintReason: 'label torn at packing',
      onAudit: (e) => events.push(e),
    });
    const expected = await renderLabel(info, 'zebra-4x6', 'zpl', { copies: 4 });
    expect(Buffer.from(await job).equals(Buffer.from(expected))).toBe(true);
    expect(result.audit).toMatchObject({
      type: 'label.reprinted',
      reason: 'label torn at packing',
      operator: 'bob',
      copies: 4,
      template: 'zebra-4x6',
    });
    expect(events).toHaveLength(1);
  });

  it('refuses a reprint without a reason before sending anything', async () => {
    const before = printer.received.length;
    await expect(
      printLabels({
        info: sampleInfo(),
        printer: parsePrinterTarget(`zpl://127.0.0.1:${printer.port}`),
        operator: 'bob',
        reprintReason: '  ',
      }),
    ).rejects.toThrow(/reprint needs a reason/);
    expect(printer.received.length).toBe(before);
  });

  it('says clearly when the printer refuses the connection', async () => {
    const port = await closedPort();
    const err = await sendRawZpl('127.0.0.1', port, new TextEncoder().encode('^XA^XZ')).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(PrintError);
    expect(err.code).toBe('refused');
    expect(err.message).toMatch(`label printer at 127.0.0.1:${port} refused the connection`);
  });

  it('reads printer targets', () => {
    expect(parsePrinterTarget('zpl://10.0.0.7')).toEqual({
      kind: 'raw',
      host: '10.0.0.7',
      port: 9100,
    });
    expect(parsePrinterTarget('socket://[::1]:9101')).toEqual({
      kind: 'raw',
      host: '::1',
      port: 9101,
    });
    expect(parsePrinterTarget('Zebra_GK420', 'zpl')).toEqual({
      kind: 'cups',
      queue: 'Zebra_GK420',
      format: 'zpl',
    });
    expect(() => parsePrinterTarget('ipp://printer/queue')).toThrow(/use a CUPS queue name/);
  });
});
