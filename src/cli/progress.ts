import type { CliIO } from './args.ts';
import { STEPS, STEP_LABELS, type ProvisionEvent, type SlotEvent } from '../engine/events.ts';

/**
 * Shows provisioning on a terminal: one line per slot with a progress bar, redrawn in place;
 * elsewhere (logs, pipes) one line per finished device.
 */
export class ProgressView {
  readonly #io: CliIO;
  readonly #slots = new Map<string, SlotEvent>();
  #drawn = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(io: CliIO) {
    this.#io = io;
    if (io.isTTY) this.#timer = setInterval(() => this.draw(), 100);
  }

  onEvent = (e: ProvisionEvent): void => {
    if (e.type === 'slot') this.#slots.set(e.slot, e);
    if (this.#io.isTTY) return;
    if (e.type === 'device') {
      const id = e.deviceId ? e.deviceId.slice(0, 16) : '(unknown TPM)';
      if (e.status === 'provisioned') {
        this.#io.out(`slot ${e.slot}: ${id} provisioned in ${Math.round(e.elapsedMs)} ms`);
      } else {
        this.#io.out(`slot ${e.slot}: ${id} FAILED at ${e.failure?.step}: ${e.failure?.message}`);
        this.#io.out(`  what to do: ${e.failure?.action}`);
        if (e.failure?.detail) this.#io.out(`  detail: ${e.failure.detail}`);
      }
    } else if (e.type === 'slot' && e.state === 'skipped') {
      this.#io.out(`slot ${e.slot}: skipped — ${e.message}`);
    }
  };

  private draw(): void {
    const lines = [...this.#slots.values()].map(renderSlot);
    let out = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    process.stdout.write(out);
    this.#drawn = lines.length;
  }

  /** Final redraw, then failures in full (they need more room than a bar). */
  finish(): void {
    if (this.#timer) {
      clearInterval(this.#timer);
      this.draw();
      for (const s of this.#slots.values()) {
        if (s.state === 'failed' && s.failure) {
          this.#io.out(`slot ${s.slot}: ${s.failure.message}`);
          this.#io.out(`  what to do: ${s.failure.action}`);
          if (s.failure.detail) this.#io.out(`  detail: ${s.failure.detail}`);
        } else if (s.state === 'skipped') {
          this.#io.out(`slot ${s.slot}: skipped — ${s.message}`);
        }
      }
    }
  }
}

function renderSlot(s: SlotEvent): string {
  const width = 21;
  const done = s.state === 'provisioned' ? STEPS.length : (s.stepIndex ?? 0);
  const filled = Math.round((done / STEPS.length) * width);
  const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
  const id = s.deviceId ? s.deviceId.slice(0, 12) : '            ';
  const what =
    s.state === 'working' && s.step
      ? STEP_LABELS[s.step]
      : s.state === 'provisioned'
        ? '\x1b[32mPROVISIONED\x1b[0m'
        : s.state === 'failed'
          ? `\x1b[31mFAILED\x1b[0m at ${s.step ?? s.failure?.step}`
          : s.state === 'skipped'
            ? '\x1b[33mSKIPPED\x1b[0m'
            : s.state;
  return `slot ${s.slot.padStart(2)}  ${id}  ${bar}  ${what}`;
}
