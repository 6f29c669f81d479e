import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type { ChargerJobs } from '../../chargers/firmware/charger-jobs.ts';
import { fileSize, readStream, TooLargeError } from '../../chargers/firmware/file-transfer.ts';
import { ApiError } from '../http-api.ts';
import { controlled, parseBody } from './charger-control-routes.ts';

/**
 * Firmware files and diagnostics (docs/api.md "Firmware and diagnostics"). The /api routes are for the installer;
 * /files is what chargers fetch and upload to. Chargers cannot log in, so /files lies outside /api and each URL
 * carries its job's unguessable token, valid only while the job is open.
 */

const instant = z.union([z.number().int().min(0), z.string().transform((value, ctx) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 time' });
    return z.NEVER;
  }
  return ms;
})]);
const firmwareBody = z.strictObject({ file: z.string().min(1).max(64), retrieveAt: instant.optional() });
const diagnosticsBody = z.strictObject({ from: instant.optional(), to: instant.optional() });
const uploadQuery = z.strictObject({ name: z.string().min(1).max(200).optional() });
const jobsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() });

/** Maps an upload failure: too large is 413, a client that went away is nobody's error. */
function uploadError(error: unknown, limitBytes: number): never {
  if (error instanceof TooLargeError) throw new ApiError(413, 'too_large', `the file is larger than the limit of ${limitBytes} bytes`);
  throw error;
}

function declaredTooLarge(req: Request, limitBytes: number): boolean {
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > limitBytes;
}

export function chargerFilesRoutes(jobs: ChargerJobs): Router {
  const router = express.Router();

  router.post('/api/v1/firmware', async (req, res) => {
    const query = uploadQuery.safeParse(req.query);
    if (!query.success) throw new ApiError(400, 'invalid_query', 'expected ?name=<file name>');
    if (req.is('application/json') === 'application/json') {
      throw new ApiError(415, 'unsupported_media_type', 'send the firmware as the raw body (Content-Type: application/octet-stream)');
    }
    if (declaredTooLarge(req, jobs.maxFirmwareBytes)) throw new ApiError(413, 'too_large', `the file is larger than the limit of ${jobs.maxFirmwareBytes} bytes`);
    const file = await jobs.addFirmware(req, query.data.name ?? 'firmware.bin').catch((error: unknown) => uploadError(error, jobs.maxFirmwareBytes));
    if (file.size === 0) {
      await jobs.removeFirmware(file.id);
      throw new ApiError(400, 'empty_file', 'the upload was empty');
    }
    res.status(201).json(file);
  });

  router.get('/api/v1/firmware', (_req, res) => {
    res.json(jobs.firmwareFiles());
  });

  router.delete('/api/v1/firmware/:fileId', async (req, res) => {
    if (!await jobs.removeFirmware(req.params.fileId)) throw new ApiError(404, 'firmware_not_found', `no firmware file with id "${req.params.fileId}"`);
    res.status(204).end();
  });

  router.post('/api/v1/chargers/:id/firmware', async (req, res) => {
    const body = parseBody(firmwareBody, req.body, '{"file": firmware id, "retrieveAt"?: ISO 8601 time}');
    res.status(201).json(await controlled(() => jobs.startFirmware(req.params.id, body.file, body.retrieveAt)));
  });

  router.post('/api/v1/chargers/:id/diagnostics', async (req, res) => {
    const body = parseBody(diagnosticsBody, req.body, '{"from"?: time, "to"?: time}');
    res.status(201).json(await controlled(() => jobs.startDiagnostics(req.params.id, { fromMs: body.from, toMs: body.to })));
  });

  router.get('/api/v1/chargers/:id/jobs', (req, res) => {
    const query = jobsQuery.safeParse(req.query);
    if (!query.success) throw new ApiError(400, 'invalid_query', 'expected ?limit=1..500');
    res.json(jobs.jobs(req.params.id, query.data.limit));
  });

  router.get('/api/v1/chargers/:id/jobs/:jobId/upload', async (req, res) => {
    const job = jobs.job(Number(req.params.jobId));
    if (job === undefined || job.chargerId !== req.params.id) throw new ApiError(404, 'job_not_found', `no job ${req.params.jobId} on charger ${req.params.id}`);
    if (job.upload === undefined) throw new ApiError(404, 'no_upload', `the charger has not uploaded anything for job ${job.id}`);
    res.set('Content-Type', 'application/octet-stream');
    res.set('Content-Disposition', `attachment; filename="${job.upload.name}"`);
    res.set('Content-Length', String(job.upload.size));
    readStream(jobs.uploadPath(job.id)).pipe(res);
  });

  // What chargers use. HEAD is answered too: some firmware probes the size before downloading.
  const serveFirmware = async (req: Request, res: express.Response, headOnly: boolean): Promise<void> => {
    const job = jobs.openJobByToken('firmware', String(req.params.token));
    if (job?.firmware === undefined) throw new ApiError(404, 'not_found', 'no such file');
    const path = jobs.firmwarePath(job.firmware.id);
    const size = await fileSize(path);
    if (size === undefined) throw new ApiError(404, 'not_found', 'no such file');
    res.set('Content-Type', 'application/octet-stream');
    res.set('Content-Length', String(size));
    res.set('Cache-Control', 'no-store');
    if (headOnly) {
      res.end();
      return;
    }
    readStream(path).pipe(res);
  };
  router.head('/files/firmware/:token/:name', (req, res) => serveFirmware(req, res, true));
  router.get('/files/firmware/:token/:name', (req, res) => serveFirmware(req, res, false));

  const receiveDiagnostics = async (req: Request, res: express.Response): Promise<void> => {
    const job = jobs.openJobByToken('diagnostics', String(req.params.token));
    if (job === undefined) throw new ApiError(404, 'not_found', 'no such upload location');
    if (declaredTooLarge(req, jobs.maxDiagnosticsBytes)) throw new ApiError(413, 'too_large', `larger than ${jobs.maxDiagnosticsBytes} bytes`);
    const name = typeof req.params.name === 'string' ? req.params.name : undefined;
    const stored = await jobs.receiveDiagnostics(job, req, req.headers['content-type'], name)
      .catch((error: unknown) => uploadError(error, jobs.maxDiagnosticsBytes));
    res.status(201).json({ received: stored.upload?.size ?? 0 });
  };
  for (const path of ['/files/diagnostics/:token', '/files/diagnostics/:token/:name']) {
    router.put(path, receiveDiagnostics);
    router.post(path, receiveDiagnostics);
  }

  return router;
}
