/** Every command definition, by chapter. */
export * from './startup.ts';
export * from './random.ts';
export * from './session.ts';
export * from './ea.ts';
export * from './object.ts';
export * from './ecc.ts';
export * from './context.ts';
export * from './capability.ts';
export * from './nv.ts';
