/** Part 3 chapter 9 (Start-up) and chapter 10 (Testing). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, TPMI_YES_NO, UINT16 } from '../marshal.ts';

export const NONE = struct('(no parameters)', {});

/** TPM2_Startup, Part 3 §9.3. */
export const Startup = defineCommand({
  name: 'Startup',
  code: TPM_CC.Startup,
  section: '9.3',
  handles: [],
  authHandles: 0,
  params: struct('TPM2_Startup', { startupType: UINT16 }),
  responseHandles: [],
  response: NONE,
});

/** TPM2_Shutdown, Part 3 §9.4. */
export const Shutdown = defineCommand({
  name: 'Shutdown',
  code: TPM_CC.Shutdown,
  section: '9.4',
  handles: [],
  authHandles: 0,
  params: struct('TPM2_Shutdown', { shutdownType: UINT16 }),
  responseHandles: [],
  response: NONE,
});

/** TPM2_SelfTest, Part 3 §10.2. */
export const SelfTest = defineCommand({
  name: 'SelfTest',
  code: TPM_CC.SelfTest,
  section: '10.2',
  handles: [],
  authHandles: 0,
  params: struct('TPM2_SelfTest', { fullTest: TPMI_YES_NO }),
  responseHandles: [],
  response: NONE,
});
