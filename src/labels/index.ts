// Labels: the QR payload with the batch's GPK, PDF/PNG/ZPL rendering, printing through CUPS
// or raw ZPL, and read-back of a printed label. Plain Node, no electron, no DOM.
export type { LabelInfo, LabelFormat } from './types.ts';
export { LABEL_FORMATS } from './types.ts';
export {
  encodeLabelPayload,
  parseLabelPayload,
  encodeTextPayload,
  encodeBytePayload,
  encodeDevicePayload,
  parseDevicePayload,
  LabelPayloadError,
  GPK_LENGTH,
  BATCH_ID_MAX_LENGTH,
  PAYLOAD_VERSION,
  TEXT_PREFIX,
  DEVICE_TEXT_PREFIX,
  type LabelPayload,
  type LabelPayloadInput,
  type PayloadMode,
  type ErrorCorrection,
} from './payload.ts';
export { base45Encode, base45Decode } from './base45.ts';
export {
  renderLabel,
  writeBatchLabels,
  type RenderOptions,
  type BatchLabelFiles,
} from './render.ts';
export { listTemplates, loadTemplate, DEFAULT_TEMPLATE, type LabelTemplate } from './templates.ts';
export { gpkFingerprint, shortBatchId, layoutLabel, type LabelLayout } from './layout.ts';
export {
  checkLabelImage,
  checkLabelPayload,
  decodeImage,
  decodeQr,
  type ExpectedLabelBatch,
  type KnownBatch,
  type LabelCheckKind,
  type LabelCheckOptions,
  type LabelCheckResult,
} from './readback.ts';
export {
  listPrinters,
  printFile,
  jobState,
  waitForJob,
  PrintError,
  type PrinterInfo,
  type PrintJob,
  type JobStatus,
  type CupsOptions,
} from './cups.ts';
export { sendRawZpl, RAW_PRINT_PORT } from './zpl-socket.ts';
export {
  printLabels,
  parsePrinterTarget,
  type PrinterTarget,
  type PrintLabelsRequest,
} from './print.ts';
export {
  LABEL_AUDIT_ACTIONS,
  LABEL_PRINT_ACTIONS,
  type LabelAuditAction,
  type LabelAuditEvent,
  type PrintAudit,
} from './audit.ts';
