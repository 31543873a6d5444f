import type { z } from 'zod';
import type { ApiError, Channel, ErrorCode, ErrorDetails, Req, Res, Result } from '../../contract/index.ts';
import { CHANNELS } from './schemas.ts';
import { publicDetails } from './error-details.ts';
import { isTrustedSender } from '../shell/navigation.ts';
import { allowedFor } from '../core/roles.ts';
import { toFactorDeskError } from '../core/errors.ts';
import type { Session } from '../core/session.ts';

/** The parts of an IPC event the guard looks at (Electron's `event.senderFrame` and the sender's main frame). */
export interface SenderInfo {
  frame: { url: string; parent: unknown | null; detached?: boolean } | null | undefined;
  topFrame?: unknown;
}

/** A channel implementation: gets the parsed request and the current session (null before sign-in). */
export type Handler<C extends Channel> = (req: z.output<(typeof CHANNELS)[C]['req']>, session: Session | null) => Promise<Res<C>> | Res<C>;
export type Handlers = { [C in Channel]: Handler<C> };

export function refusal<C extends ErrorCode>(code: C, message: string): Result<never> {
  return refuse(code, message);
}

/** Callbacks the guard reports to (refusals are audited by the app when a vault is open). */
export interface GuardHooks {
  session(): Session | null;
  trustedOrigins: readonly string[];
  /** Told of each refusal; the answer waits for it (it may record the refusal). Never throws. */
  onRefused?: OnRefused;
}

function refuse<T, C extends ErrorCode>(code: C, message: string, details?: ErrorDetails<C>): Result<T> {
  // The cast: TypeScript cannot match a generic code against the per-code union of ApiError.
  return { ok: false, error: (details ? { code, message, details } : { code, message }) as ApiError };
}

/** What the guard tells its door about each refusal (the door may audit it). */
export type OnRefused = (channel: string, code: 'FORBIDDEN' | 'BAD_REQUEST' | 'SESSION_LOCKED', session: Session | null) => void | Promise<void>;

/**
 * The guard every door shares once it knows who is calling: the payload must parse with the
 * channel's schema, the session must be there and its role allowed; the answer is always a
 * `Result` with a code from the closed set, never a stack. `handlers` may leave channels out:
 * such a channel answers `answerMissing` (a server names the channels it does not serve).
 */
export function createGuard(handlers: Partial<Handlers>, opts: { onRefused?: OnRefused; missing?: (channel: Channel) => Result<unknown> } = {}) {
  return async function guarded(channel: string, payload: unknown, session: Session | null): Promise<Result<unknown>> {
    if (typeof channel !== 'string' || !Object.hasOwn(CHANNELS, channel)) return refuse('BAD_REQUEST', 'Unknown request.');
    const name = channel as Channel;
    const spec = CHANNELS[name];
    if (!wellFormed(payload, 0)) {
      opts.onRefused?.(name, 'BAD_REQUEST', session);
      return refuse('BAD_REQUEST', 'The request contains text that is not valid Unicode.');
    }
    const parsed = (spec.req as z.ZodType).safeParse(payload ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path?.[0];
      opts.onRefused?.(name, 'BAD_REQUEST', session);
      return refuse('BAD_REQUEST', 'The request was not valid.', typeof field === 'string' ? { field } : undefined);
    }
    if (spec.permission !== null) {
      if (!session) return refuse('SESSION_LOCKED', 'Sign in first.');
      if (session.role === 'service' || !allowedFor(session, spec.permission)) {
        await opts.onRefused?.(name, 'FORBIDDEN', session);
        // An automation client holds named scopes, not a role: say which it has and which was needed.
        if (session.role === 'automation') return refuse('FORBIDDEN', `This automation client's scopes (${(session.scopes ?? []).join(', ')}) do not include ${spec.permission}, which ${name} needs.`, { permission: spec.permission });
        return refuse('FORBIDDEN', 'Your role may not do this.');
      }
    }
    const handler = handlers[name] as ((req: unknown, s: Session | null) => unknown) | undefined;
    if (!handler) return opts.missing ? opts.missing(name) : refuse('BAD_REQUEST', 'Unknown request.');
    try {
      const value = await handler(parsed.data, session);
      return { ok: true, value };
    } catch (err) {
      const e = toFactorDeskError(err);
      // Only the details the contract lists for this code leave main (WEAK_PASSWORD's problem,
      // RATE_LIMITED's seconds, the field, …), each checked against its kind.
      return refuse(e.code, e.message, publicDetails(e.code, e.details));
    }
  };
}

/**
 * The app's guard around every handler: the sender must be the app's own top-level frame,
 * then the shared guard above runs with the app's one session.
 */
export function createDispatcher(handlers: Handlers, hooks: GuardHooks) {
  const guarded = createGuard(handlers, { onRefused: hooks.onRefused });
  return async function dispatch(channel: string, sender: SenderInfo, payload: unknown): Promise<Result<unknown>> {
    if (typeof channel !== 'string' || !Object.hasOwn(CHANNELS, channel)) return refuse('BAD_REQUEST', 'Unknown request.');
    let trusted = false;
    try {
      trusted = isTrustedSender(sender.frame ?? null, sender.topFrame, hooks.trustedOrigins);
    } catch {
      trusted = false;
    }
    if (!trusted) {
      await hooks.onRefused?.(channel, 'FORBIDDEN', hooks.session());
      return refuse('FORBIDDEN', 'This request did not come from the FactorDesk window.');
    }
    return guarded(channel, payload, hooks.session());
  };
}

/**
 * True when every string in the payload is well-formed Unicode (no lone surrogates). Such text
 * cannot be stored or canonicalised for the audit hash, so it is a bad request, not a crash.
 */
function wellFormed(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return v.isWellFormed();
  if (depth > 8 || v === null || typeof v !== 'object') return true;
  for (const [k, x] of Object.entries(v)) if (!k.isWellFormed() || !wellFormed(x, depth + 1)) return false;
  return true;
}

export type Dispatch = ReturnType<typeof createDispatcher>;
export type { Req, Res };
