/**
 * The audit actions of a batch label print: the CLI and the desktop app record these names,
 * and a batch's prints are counted by them (src/engine/labels.ts), so a label printed in one
 * is a reprint in the other.
 */
export const LABEL_AUDIT_ACTIONS = {
  printed: 'label.printed',
  reprinted: 'label.reprinted',
} as const;

export type LabelAuditAction = (typeof LABEL_AUDIT_ACTIONS)[keyof typeof LABEL_AUDIT_ACTIONS];

/**
 * Every audit action that records a print or reprint of a batch's label: the shared names,
 * and those the desktop app recorded before it shared them (audit trails are append-only, so
 * those prints still count).
 */
export const LABEL_PRINT_ACTIONS: readonly string[] = [
  LABEL_AUDIT_ACTIONS.printed,
  LABEL_AUDIT_ACTIONS.reprinted,
  'label.print',
  'label.reprint',
];

/** What the print functions report for the audit trail; the store records it. */
export interface LabelAuditEvent {
  type: LabelAuditAction;
  /** ISO time the printer or CUPS accepted the job. */
  at: string;
  operator: string;
  batchId: string;
  /** CUPS queue name, or zpl://HOST:PORT for a network printer. */
  printer: string;
  copies: number;
  /** CUPS job id (e.g. "Zebra-12"); absent for raw TCP, which has no jobs. */
  jobId?: string;
  template?: string;
  format?: string;
  /** Why a label is printed again; required for a reprint. */
  reason?: string;
}

/** Who prints what, and where to report it; passed into every print function. */
export interface PrintAudit {
  operator: string;
  batchId: string;
  template?: string;
  /** Set for a reprint: the operator's reason, which the audit trail keeps. */
  reprintReason?: string;
  onAudit?: (event: LabelAuditEvent) => void;
}

/** Checks a print request's audit context before anything is sent to a printer. */
export function checkAudit(audit: PrintAudit | undefined): void {
  if (!audit) return;
  if (audit.operator.trim() === '') throw new Error('the operator who prints must be named');
  if (audit.reprintReason !== undefined && audit.reprintReason.trim() === '') {
    throw new Error('a reprint needs a reason (for example "label torn", "printer jam")');
  }
}

export function emitAudit(
  audit: PrintAudit | undefined,
  details: { printer: string; copies: number; jobId?: string; format?: string },
): LabelAuditEvent | undefined {
  if (!audit) return undefined;
  const event: LabelAuditEvent = {
    type:
      audit.reprintReason !== undefined
        ? LABEL_AUDIT_ACTIONS.reprinted
        : LABEL_AUDIT_ACTIONS.printed,
    at: new Date().toISOString(),
    operator: audit.operator,
    batchId: audit.batchId,
    printer: details.printer,
    copies: details.copies,
    ...(details.jobId !== undefined ? { jobId: details.jobId } : {}),
    ...(audit.template !== undefined ? { template: audit.template } : {}),
    ...(details.format !== undefined ? { format: details.format } : {}),
    ...(audit.reprintReason !== undefined ? { reason: audit.reprintReason } : {}),
  };
  audit.onAudit?.(event);
  return event;
}
