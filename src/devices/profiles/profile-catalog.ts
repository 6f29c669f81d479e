/**
 * Loads device profiles from `devices/profiles/*.yaml` and checks each against the profile schema. A file that does
 * not validate is refused with one line per problem (path and what was expected), never half-used.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { deviceProfileSchema, type DeviceProfile } from './profile-schema.ts';

export const PROFILE_DIRECTORY = fileURLToPath(new URL('../../../devices/profiles/', import.meta.url));

/** A profile file that cannot be used. */
export class ProfileError extends Error {
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: invalid device profile\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ProfileError';
  }
}

/** Parses and validates one profile; `expectedId` (the file name) must equal its `id`. */
export function parseDeviceProfile(text: string, file: string, expectedId?: string): DeviceProfile {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) throw new ProfileError(file, document.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  const result = deviceProfileSchema.safeParse(document.toJS());
  if (!result.success) throw new ProfileError(file, formatIssues(result.error.issues));
  if (expectedId !== undefined && result.data.id !== expectedId) {
    throw new ProfileError(file, [`id: "${result.data.id}" must equal the file name "${expectedId}"`]);
  }
  return result.data;
}

export function loadDeviceProfile(file: string): DeviceProfile {
  return parseDeviceProfile(readFileSync(file, 'utf8'), file, basename(file, '.yaml'));
}

/** The profiles of one directory, loaded on first use. */
export class ProfileCatalog {
  private profiles: Map<string, DeviceProfile> | undefined;

  constructor(private readonly directory = PROFILE_DIRECTORY) {}

  /** Every profile, in file-name order. */
  all(): DeviceProfile[] {
    return [...this.load().values()];
  }

  has(id: string): boolean {
    return this.load().has(id);
  }

  get(id: string): DeviceProfile {
    const profile = this.load().get(id);
    if (profile === undefined) throw new Error(`no device profile "${id}" (known: ${[...this.load().keys()].join(', ')})`);
    return profile;
  }

  private load(): Map<string, DeviceProfile> {
    if (this.profiles === undefined) {
      const files = readdirSync(this.directory).filter((name) => name.endsWith('.yaml')).sort();
      this.profiles = new Map(files.map((name) => {
        const profile = loadDeviceProfile(join(this.directory, name));
        return [profile.id, profile];
      }));
    }
    return this.profiles;
  }
}

/**
 * One line per problem. A union (a value is a register or a sum; a role is SunSpec or registers) reports the branch
 * that came closest, since "invalid input" alone does not tell a profile author what to fix.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0] ?? [];
      return formatIssues(closest, path);
    }
    const where = path.length === 0 ? '(top level)' : path.map(String).join('.');
    return [`${where}: ${issue.message}`];
  });
}
