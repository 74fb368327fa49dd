/** Part 3 chapter 12 (Object Commands) and chapter 24 (Hierarchy Commands: CreatePrimary). */
import { defineCommand } from '../command.ts';
import { TPM_CC } from '../constants.ts';
import { struct } from '../marshal.ts';
import {
  TPM2BData,
  TPM2BDigest,
  TPM2BEncryptedSecret,
  TPM2BIDObject,
  TPM2BName,
  TPM2BPrivate,
} from '../types/buffers.ts';
import {
  TPM2BCreationData,
  TPM2BPublic,
  TPM2BSensitiveCreate,
  TPMLPCRSelection,
  TPMTTKCreation,
} from '../types/public.ts';

const createParams = {
  inSensitive: TPM2BSensitiveCreate,
  inPublic: TPM2BPublic,
  outsideInfo: TPM2BData,
  creationPCR: TPMLPCRSelection,
};

/** TPM2_CreatePrimary, Part 3 §24.1. */
export const CreatePrimary = defineCommand({
  name: 'CreatePrimary',
  code: TPM_CC.CreatePrimary,
  section: '24.1',
  handles: ['primaryHandle'],
  authHandles: 1,
  params: struct('TPM2_CreatePrimary', createParams),
  responseHandles: ['objectHandle'],
  response: struct('TPM2_CreatePrimary response', {
    outPublic: TPM2BPublic,
    creationData: TPM2BCreationData,
    creationHash: TPM2BDigest,
    creationTicket: TPMTTKCreation,
    name: TPM2BName,
  }),
});

/** TPM2_Create, Part 3 §12.1. */
export const Create = defineCommand({
  name: 'Create',
  code: TPM_CC.Create,
  section: '12.1',
  handles: ['parentHandle'],
  authHandles: 1,
  params: struct('TPM2_Create', createParams),
  responseHandles: [],
  response: struct('TPM2_Create response', {
    outPrivate: TPM2BPrivate,
    outPublic: TPM2BPublic,
    creationData: TPM2BCreationData,
    creationHash: TPM2BDigest,
    creationTicket: TPMTTKCreation,
  }),
});

/** TPM2_Load, Part 3 §12.2. */
export const Load = defineCommand({
  name: 'Load',
  code: TPM_CC.Load,
  section: '12.2',
  handles: ['parentHandle'],
  authHandles: 1,
  params: struct('TPM2_Load', { inPrivate: TPM2BPrivate, inPublic: TPM2BPublic }),
  responseHandles: ['objectHandle'],
  response: struct('TPM2_Load response', { name: TPM2BName }),
});

/** TPM2_ReadPublic, Part 3 §12.4. */
export const ReadPublic = defineCommand({
  name: 'ReadPublic',
  code: TPM_CC.ReadPublic,
  section: '12.4',
  handles: ['objectHandle'],
  authHandles: 0,
  params: struct('TPM2_ReadPublic', {}),
  responseHandles: [],
  response: struct('TPM2_ReadPublic response', {
    outPublic: TPM2BPublic,
    name: TPM2BName,
    qualifiedName: TPM2BName,
  }),
});

/** TPM2_ActivateCredential, Part 3 §12.5. */
export const ActivateCredential = defineCommand({
  name: 'ActivateCredential',
  code: TPM_CC.ActivateCredential,
  section: '12.5',
  handles: ['activateHandle', 'keyHandle'],
  authHandles: 2,
  params: struct('TPM2_ActivateCredential', {
    credentialBlob: TPM2BIDObject,
    secret: TPM2BEncryptedSecret,
  }),
  responseHandles: [],
  response: struct('TPM2_ActivateCredential response', { certInfo: TPM2BDigest }),
});
