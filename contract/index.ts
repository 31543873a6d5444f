/**
 * The contract between main, preload and renderer, in one pure module: channel and event names,
 * request and response types, error codes with their details, permission ids, audit actions.
 * Nothing here imports zod, electron, node: modules or the DOM (npm run lint checks that).
 */
export * from './channel-names.ts';
export * from './channels.ts';
export * from './errors.ts';
export * from './permissions.ts';
export * from './audit-actions.ts';
export * from './alerts.ts';
export * from './imports.ts';
export * from './lost-phone.ts';
export * from './approvals.ts';
export type * from './requests.ts';
export type * from './views.ts';
