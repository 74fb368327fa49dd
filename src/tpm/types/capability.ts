/** TPMS_CAPABILITY_DATA, Part 2 §10.10.2, with the TPML lists it selects (§10.9). */
import { TPM_CAP } from '../constants.ts';
import { MarshalError } from '../errors.ts';
import { codec, list, struct, UINT16, UINT32, type Codec } from '../marshal.ts';
import { TPMLPCRSelection } from './public.ts';

/** MAX_CAP_BUFFER is 1024 bytes on most TPMs: no list in one answer can exceed this count. */
const MAX_ITEMS = 1024;

export const TPMSAlgProperty = struct('TPMS_ALG_PROPERTY', { alg: UINT16, algProperties: UINT32 });
export const TPMSTaggedProperty = struct('TPMS_TAGGED_PROPERTY', {
  property: UINT32,
  value: UINT32,
});

export type TPMSCapabilityData =
  | { capability: typeof TPM_CAP.ALGS; algorithms: { alg: number; algProperties: number }[] }
  | { capability: typeof TPM_CAP.HANDLES; handles: number[] }
  | { capability: typeof TPM_CAP.COMMANDS; commands: number[] }
  | { capability: typeof TPM_CAP.PCRS; assignedPCR: { hash: number; pcrSelect: Uint8Array }[] }
  | {
      capability: typeof TPM_CAP.TPM_PROPERTIES;
      tpmProperties: { property: number; value: number }[];
    }
  | { capability: typeof TPM_CAP.ECC_CURVES; eccCurves: number[] };

const algs = list('TPML_ALG_PROPERTY', TPMSAlgProperty, MAX_ITEMS);
const handles = list('TPML_HANDLE', UINT32, MAX_ITEMS);
const ccas = list('TPML_CCA', UINT32, MAX_ITEMS);
const props = list('TPML_TAGGED_TPM_PROPERTY', TPMSTaggedProperty, MAX_ITEMS);
const curves = list('TPML_ECC_CURVE', UINT16, MAX_ITEMS);

export const TPMSCapabilityData: Codec<TPMSCapabilityData> = codec<TPMSCapabilityData>(
  'TPMS_CAPABILITY_DATA',
  (w, v) => {
    w.u32(v.capability);
    if ('algorithms' in v) algs.write(w, v.algorithms);
    else if ('handles' in v) handles.write(w, v.handles);
    else if ('commands' in v) ccas.write(w, v.commands);
    else if ('assignedPCR' in v) TPMLPCRSelection.write(w, v.assignedPCR);
    else if ('tpmProperties' in v) props.write(w, v.tpmProperties);
    else curves.write(w, v.eccCurves);
  },
  (r) => {
    const capability = r.u32('TPMS_CAPABILITY_DATA.capability');
    switch (capability) {
      case TPM_CAP.ALGS:
        return { capability, algorithms: algs.read(r) };
      case TPM_CAP.HANDLES:
        return { capability, handles: handles.read(r) };
      case TPM_CAP.COMMANDS:
        return { capability, commands: ccas.read(r) };
      case TPM_CAP.PCRS:
        return { capability, assignedPCR: TPMLPCRSelection.read(r) };
      case TPM_CAP.TPM_PROPERTIES:
        return { capability, tpmProperties: props.read(r) };
      case TPM_CAP.ECC_CURVES:
        return { capability, eccCurves: curves.read(r) };
      default:
        throw new MarshalError(
          `TPMS_CAPABILITY_DATA.capability 0x${capability.toString(16)} is not one this layer asks for`,
        );
    }
  },
);
