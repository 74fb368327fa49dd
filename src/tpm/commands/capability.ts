/** Part 3 chapter 30 (Capability Commands). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct, TPMI_YES_NO, UINT32 } from '../marshal.ts';
import { TPMSCapabilityData } from '../types/capability.ts';

/** TPM2_GetCapability, Part 3 §30.2. */
export const GetCapability = defineCommand({
  name: 'GetCapability',
  code: TPM_CC.GetCapability,
  section: '30.2',
  handles: [],
  authHandles: 0,
  params: struct('TPM2_GetCapability', {
    capability: UINT32,
    property: UINT32,
    propertyCount: UINT32,
  }),
  responseHandles: [],
  response: struct('TPM2_GetCapability response', {
    moreData: TPMI_YES_NO,
    capabilityData: TPMSCapabilityData,
  }),
});
