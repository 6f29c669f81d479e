import express, { type Router } from 'express';
import type { CertificateOutcome } from '../../chargers/security/charger-certificates.ts';
import { ApiError } from '../http-api.ts';

/** What the certificate routes need (security profiles 2 and 3). */
export interface ChargerCertificateService {
  caPem(): string | undefined;
  issue(chargerId: string): Promise<CertificateOutcome>;
}

const STATUS: Record<Exclude<CertificateOutcome, { ok: true }>['code'], number> = {
  not_found: 404, invalid_id: 400, not_profile_3: 409, external_ca: 409,
};

/**
 * `GET /api/v1/ocpp/ca.pem`: the CA certificate installers load into a wallbox so that it trusts wss://.
 * `POST /api/v1/chargers/:id/certificate`: a client certificate and key for a charger (profile 3), shown once.
 */
export function chargerCertificateRouter(service: ChargerCertificateService): Router {
  const router = express.Router();
  router.get('/api/v1/ocpp/ca.pem', (_req, res) => {
    const pem = service.caPem();
    if (pem === undefined) throw new ApiError(404, 'no_tls', 'OCPP runs without TLS here (ocpp.securityProfile 0 or 1), or with the installer\'s certificate and no caFile');
    res.type('application/x-pem-file').set('Content-Disposition', 'attachment; filename="sunplug-ocpp-ca.pem"').send(pem);
  });
  router.post('/api/v1/chargers/:id/certificate', async (req, res) => {
    const outcome = await service.issue(req.params.id);
    if (!outcome.ok) throw new ApiError(STATUS[outcome.code], outcome.code, outcome.message);
    const { certificate } = outcome;
    // The private key is in this answer and nowhere else: no cache may keep it.
    res.set('Cache-Control', 'no-store').status(201).json({
      chargerId: req.params.id,
      certificatePem: certificate.certPem,
      privateKeyPem: certificate.keyPem,
      caPem: certificate.caPem,
      notAfter: new Date(certificate.notAfterMs).toISOString(),
      fingerprint256: certificate.fingerprint256,
      note: 'Load the certificate, its private key and the CA into the charger (OCPP security profile 3). The key is shown only once.',
    });
  });
  return router;
}
