import type { ChargerAdapter } from './charger-adapter.ts';
import type { InboundCall } from './ocpp-rpc-types.ts';

/**
 * What the OCPP adapters ask the rest of Sunplug while they serve a charger, and what they offer for installer actions.
 * The adapters stay free of cards, files and jobs: they call these hooks (composed in main.ts) and expose `call()`.
 */

/** OCPP AuthorizationStatus values shared by 1.6 (idTagInfo) and 2.0.1 (idTokenInfo). */
export type AuthorizationStatus = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

export interface IdTokenVerdict {
  status: AuthorizationStatus;
  /** Until when the charger may cache the answer, ms since the epoch (the card's expiry). */
  expiryMs?: number;
}

export type IdTokenOrigin = 'Authorize' | 'StartTransaction' | 'TransactionEvent';

export interface IdTokenRequest {
  chargerId: string;
  idToken: string;
  /** 2.0.1 IdTokenEnumType (ISO14443, Central, NoAuthorization, ...); 1.6 idTags have none. */
  type?: string;
  origin: IdTokenOrigin;
}

export interface ChargerHooks {
  /** Whether an id token may charge (answered synchronously from the card list; unknown cards are remembered). */
  authorize?(request: IdTokenRequest): IdTokenVerdict;
  /** Further inbound handlers (status notifications of firmware, diagnostics, reservations), laid over the adapter's. */
  inboundHandlers?(chargerId: string, protocol: string): ReadonlyArray<readonly [string, (call: InboundCall) => object | Promise<object>]>;
  /** The charger is accepted and its capabilities were read (after each boot, or a reconnect without one). */
  online?(chargerId: string): void;
}

/** Raised by `call()` of an adapter whose charger has no live connection. */
export class ChargerOfflineError extends Error {
  constructor(readonly chargerId: string) {
    super(`charger ${chargerId} is not connected`);
  }
}

/** An adapter that can send any OCPP CALL to its charger (both versions implement it). */
export interface OcppCallTarget {
  readonly id: string;
  readonly protocol: 'ocpp1.6' | 'ocpp2.0.1';
  /** True while the charger has a live connection. */
  readonly online: boolean;
  /** Sends `method` on the live connection (schema-checked); rejects with ChargerOfflineError when there is none. */
  call(method: string, params: object): Promise<unknown>;
}

export function isCallTarget(adapter: ChargerAdapter | undefined): adapter is ChargerAdapter & OcppCallTarget {
  return adapter !== undefined && typeof (adapter as Partial<OcppCallTarget>).call === 'function'
    && ((adapter as Partial<OcppCallTarget>).protocol === 'ocpp1.6' || (adapter as Partial<OcppCallTarget>).protocol === 'ocpp2.0.1');
}

/** 1.6 idTagInfo / 2.0.1 idTokenInfo for a verdict (the expiry as ISO 8601; both versions spell the field the same). */
export function tokenInfo(verdict: IdTokenVerdict): { status: AuthorizationStatus; expiryDate?: string } {
  return verdict.expiryMs !== undefined
    ? { status: verdict.status, expiryDate: new Date(verdict.expiryMs).toISOString() }
    : { status: verdict.status };
}

/** 2.0.1 names the expiry `cacheExpiryDateTime`. */
export function tokenInfo201(verdict: IdTokenVerdict): { status: AuthorizationStatus; cacheExpiryDateTime?: string } {
  return verdict.expiryMs !== undefined
    ? { status: verdict.status, cacheExpiryDateTime: new Date(verdict.expiryMs).toISOString() }
    : { status: verdict.status };
}
