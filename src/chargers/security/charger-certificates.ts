import type { SecurityProfile } from '../admission/charger-admission.ts';
import type { IssuedClientCertificate, TlsStore } from './tls-store.ts';

export type CertificateOutcome =
  | { ok: true; certificate: IssuedClientCertificate }
  | { ok: false; code: 'not_found' | 'invalid_id' | 'not_profile_3' | 'external_ca'; message: string };

export interface ChargerCertificatesOptions {
  securityProfile: SecurityProfile;
  tls: TlsStore | undefined;
  /** True for a charger Sunplug knows: configured, approved or waiting as pending. */
  isKnown: (chargerId: string) => boolean;
}

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Client certificates for security profile 3, one per charger, its common name the charger id. The private key is
 * handed out once and not kept: a lost key means issuing a new certificate. The earlier one keeps working until it
 * expires (there is no revocation list yet; see docs/chargers.md).
 */
export class ChargerCertificates {
  constructor(private readonly options: ChargerCertificatesOptions) {}

  /** The CA chargers load to trust Sunplug's server certificate (undefined without TLS or without installer caFile). */
  caPem(): string | undefined {
    return this.options.tls?.caPem;
  }

  async issue(chargerId: string): Promise<CertificateOutcome> {
    const { securityProfile, tls, isKnown } = this.options;
    if (!ID_PATTERN.test(chargerId)) return { ok: false, code: 'invalid_id', message: 'charger ids are letters, digits, _ . : - (at most 64)' };
    if (securityProfile !== 3 || tls === undefined) {
      return { ok: false, code: 'not_profile_3', message: `client certificates are used with ocpp.securityProfile 3 (this site runs profile ${securityProfile})` };
    }
    if (!tls.canIssueClientCertificates) {
      return { ok: false, code: 'external_ca', message: 'this site uses the installer\'s CA (ocpp.tls.caFile): issue charger certificates with that CA' };
    }
    if (!isKnown(chargerId)) return { ok: false, code: 'not_found', message: `no configured, approved or pending charger "${chargerId}"` };
    return { ok: true, certificate: await tls.issueClientCertificate(chargerId) };
  }
}
