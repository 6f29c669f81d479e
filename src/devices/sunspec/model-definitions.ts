/**
 * SunSpec model definitions, loaded from the official JSON files in `devices/sunspec/models` (Apache-2.0, see
 * SOURCE.md there) and flattened into register layouts. Offsets are never typed by hand: they are the running sum
 * of point sizes, with `ID` at offset 0 and `L` at offset 1 of the model, and L counting the registers after L.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { POINT_TYPES, registerSize, type PointType } from './point-codec.ts';

export interface PointLayout {
  /** `W` for a top-level point; `module[2].DCW` for a point in the 2nd (1-based) instance of a repeating group. */
  name: string;
  /** Registers from the model start (the `ID` register). */
  offset: number;
  /** Registers the point occupies. */
  size: number;
  type: PointType;
  /** The (qualified) name of the scale-factor point, or a fixed scale factor given in the model. */
  sf?: string | number;
  units?: string;
}

/** A repeating group: `count` is fixed, the name of a top-level point holding the count, or 0 = fill the rest of L. */
export interface GroupLayout {
  name: string;
  count: number | string;
  /** Registers of one instance. */
  blockSize: number;
  /** Points of one instance, offsets relative to the instance start, names unqualified. */
  points: readonly PointLayout[];
}

export interface ModelDefinition {
  id: number;
  name: string;
  /** Top-level points, in register order. */
  points: readonly PointLayout[];
  /** Registers of the top-level points, ID and L included. */
  fixedSize: number;
  /** Repeating groups, in register order after the top-level points. */
  groups: readonly GroupLayout[];
  /** The L a device reports when every repeating group has no instance: fixedSize - 2. */
  fixedLength: number;
  point(name: string): PointLayout | undefined;
}

/** A model instantiated for one length L: every point, repeating groups expanded. */
export interface ModelLayout {
  id: number;
  /** L as the device reported it (registers after L). */
  length: number;
  points: readonly PointLayout[];
  point(name: string): PointLayout | undefined;
}

// Only the fields Sunplug uses; the rest of the JSON (labels, symbols, descriptions) is ignored.
const pointSchema = z.object({
  name: z.string().min(1),
  type: z.enum(POINT_TYPES),
  size: z.number().int().min(1),
  sf: z.union([z.string().min(1), z.number().int()]).optional(),
  units: z.string().optional(),
});

interface GroupJson {
  name: string;
  count?: number | string | undefined;
  points?: z.infer<typeof pointSchema>[] | undefined;
  groups?: GroupJson[] | undefined;
}

const groupSchema: z.ZodType<GroupJson> = z.lazy(() => z.object({
  name: z.string().min(1),
  count: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
  points: z.array(pointSchema).optional(),
  groups: z.array(groupSchema).optional(),
}));

const modelSchema = z.object({ id: z.number().int().min(1).max(65535), group: groupSchema });

/** `devices/sunspec/models` at the repository root, found from this module's own location. */
export function defaultModelsDir(): string {
  return fileURLToPath(new URL('../../../devices/sunspec/models/', import.meta.url));
}

/** Parses one model JSON document (already read from disk) into a definition. Throws on anything unexpected. */
export function parseModelDefinition(json: unknown, source = 'model JSON'): ModelDefinition {
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${source} is not a SunSpec model definition: ${z.prettifyError(parsed.error)}`);
  const { id, group } = parsed.data;
  const points = layoutPoints(group.points ?? []);
  if (points[0]?.name !== 'ID' || points[1]?.name !== 'L') throw new Error(`${source}: the first points must be ID and L`);
  const fixedSize = sizeOf(points);
  const groups = (group.groups ?? []).map((g, i, all) => {
    const count = g.count ?? 1;
    if (count === 0 && i !== all.length - 1) throw new Error(`${source}: only the last group may fill the rest of L`);
    if (typeof count === 'string' && !points.some((p) => p.name === count)) {
      throw new Error(`${source}: group ${g.name} counts by unknown point ${count}`);
    }
    const template = flattenGroupTemplate(g, source);
    return { name: g.name, count, blockSize: sizeOf(template), points: template };
  });
  const byName = new Map(points.map((p) => [p.name, p]));
  return { id, name: group.name, points, fixedSize, groups, fixedLength: fixedSize - 2, point: (name) => byName.get(name) };
}

export function loadModelDefinition(id: number, dir = defaultModelsDir()): ModelDefinition {
  const path = join(dir, `model_${id}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`no SunSpec model definition for model ${id} (looked for ${path})`);
  }
  const definition = parseModelDefinition(JSON.parse(text), path);
  if (definition.id !== id) throw new Error(`${path} defines model ${definition.id}, not ${id}`);
  return definition;
}

/** Loads definitions on first use and keeps them: the files are static data. One catalog per composition root. */
export class ModelCatalog {
  private readonly cache = new Map<number, ModelDefinition>();

  constructor(private readonly dir = defaultModelsDir()) {}

  get(id: number): ModelDefinition {
    let definition = this.cache.get(id);
    if (definition === undefined) {
      definition = loadModelDefinition(id, this.dir);
      this.cache.set(id, definition);
    }
    return definition;
  }
}

/**
 * Expands a definition for a model of length `length` (the L the device reported). `countOf` gives the value of a
 * top-level count point (e.g. model 160's `N`) when a group counts by name. Points that would end beyond L+2 are
 * dropped: a device with a shorter model simply does not have them.
 */
export function instantiateModel(
  definition: ModelDefinition,
  length: number,
  countOf: (pointName: string) => number | undefined = () => undefined,
): ModelLayout {
  const total = length + 2;
  const points: PointLayout[] = [...definition.points];
  let offset = definition.fixedSize;
  for (const group of definition.groups) {
    const instances = group.count === 0 ? Math.floor(Math.max(0, total - offset) / group.blockSize)
      : typeof group.count === 'number' ? group.count : countOf(group.count) ?? 0;
    for (let n = 1; n <= instances; n++) {
      for (const p of group.points) {
        const sf = typeof p.sf === 'string' && group.points.some((q) => q.name === p.sf) ? `${group.name}[${n}].${p.sf}` : p.sf;
        points.push({ ...p, name: `${group.name}[${n}].${p.name}`, offset: offset + p.offset, ...(sf === undefined ? {} : { sf }) });
      }
      offset += group.blockSize;
    }
  }
  const present = points.filter((p) => p.offset + p.size <= total);
  const byName = new Map(present.map((p) => [p.name, p]));
  return { id: definition.id, length, points: present, point: (name) => byName.get(name) };
}

function layoutPoints(json: readonly z.infer<typeof pointSchema>[]): PointLayout[] {
  let offset = 0;
  return json.map((p) => {
    const size = registerSize(p.type, p.size);
    if (size !== p.size) throw new Error(`point ${p.name}: type ${p.type} takes ${size} registers, the model says ${p.size}`);
    const point: PointLayout = {
      name: p.name, offset, size, type: p.type,
      ...(p.sf === undefined ? {} : { sf: p.sf }), ...(p.units === undefined ? {} : { units: p.units }),
    };
    offset += size;
    return point;
  });
}

/** One instance of a group; nested groups are supported only with a fixed count, which keeps the block size static. */
function flattenGroupTemplate(group: GroupJson, source: string): PointLayout[] {
  const points = layoutPoints(group.points ?? []);
  let offset = sizeOf(points);
  for (const nested of group.groups ?? []) {
    const count = nested.count ?? 1;
    if (typeof count !== 'number' || count < 1) throw new Error(`${source}: nested group ${nested.name} needs a fixed count`);
    const template = flattenGroupTemplate(nested, source);
    for (let n = 1; n <= count; n++) {
      for (const p of template) points.push({ ...p, name: `${nested.name}[${n}].${p.name}`, offset: offset + p.offset });
      offset += sizeOf(template);
    }
  }
  return points;
}

function sizeOf(points: readonly PointLayout[]): number {
  const last = points.at(-1);
  return last === undefined ? 0 : last.offset + last.size;
}
