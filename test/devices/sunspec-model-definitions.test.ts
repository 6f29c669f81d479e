import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ModelCatalog, instantiateModel, parseModelDefinition } from '../../src/devices/sunspec/model-definitions.ts';

describe('SunSpec model definitions', () => {
  const catalog = new ModelCatalog();

  // Offsets from the model start (ID = 0, L = 1), as listed in shared/reference/modbus.md §1.4.
  const known: [number, string, number][] = [
    [1, 'Mn', 2], [1, 'Md', 18], [1, 'Opt', 34], [1, 'Vr', 42], [1, 'SN', 50], [1, 'DA', 66],
    [103, 'A', 2], [103, 'A_SF', 6], [103, 'PhVphA', 10], [103, 'W', 14], [103, 'W_SF', 15], [103, 'WH', 24],
    [103, 'WH_SF', 26], [103, 'St', 38], [103, 'Evt1', 40],
    [101, 'W', 14], [102, 'WH', 24],
    [113, 'W', 22], [113, 'WH', 32], [113, 'St', 48],
    [124, 'ChaState', 8], [124, 'ChaState_SF', 22],
    [203, 'A', 2], [203, 'AphA', 3], [203, 'A_SF', 6], [203, 'PhVphA', 8], [203, 'V_SF', 15], [203, 'W', 18],
    [203, 'WphC', 21], [203, 'W_SF', 22], [203, 'TotWhExp', 38], [203, 'TotWhImp', 46], [203, 'TotWh_SF', 54],
    [203, 'Evt', 105], [201, 'W', 18], [204, 'TotWhImp', 46],
    [213, 'W', 28], [213, 'WphA', 30], [213, 'TotWhExp', 60], [213, 'TotWhImp', 68], [213, 'Evt', 124],
    [802, 'SoC', 11], [802, 'A', 44], [802, 'W', 47], [802, 'SoC_SF', 56], [802, 'W_SF', 63],
    [160, 'N', 8], [160, 'TmsPer', 9],
  ];
  for (const [id, name, offset] of known) {
    it(`puts model ${id} ${name} at offset ${offset}`, () => {
      assert.equal(catalog.get(id).point(name)?.offset, offset);
    });
  }

  const lengths: [number, number][] = [[1, 66], [103, 50], [113, 60], [120, 26], [124, 24], [203, 105], [213, 124], [802, 62], [160, 8]];
  for (const [id, length] of lengths) {
    it(`gives model ${id} the fixed length L=${length}`, () => {
      assert.equal(catalog.get(id).fixedLength, length);
    });
  }

  it('names the scale factor of each scaled point', () => {
    const m203 = catalog.get(203);
    assert.equal(m203.point('W')?.sf, 'W_SF');
    assert.equal(m203.point('TotWhImp')?.sf, 'TotWh_SF');
    assert.equal(m203.point('TotWhImp')?.type, 'acc32');
    assert.equal(m203.point('W')?.units, 'W');
    assert.equal(catalog.get(113).point('W')?.sf, undefined);
  });

  it('expands the MPPT modules of model 160 to fill L, 20 registers each from offset 10', () => {
    const layout = instantiateModel(catalog.get(160), 8 + 20 * 4);
    assert.equal(layout.point('module[1].ID')?.offset, 10);
    assert.equal(layout.point('module[1].DCW')?.offset, 21);
    assert.equal(layout.point('module[1].DCW')?.sf, 'DCW_SF');
    assert.equal(layout.point('module[4].DCWH')?.offset, 10 + 60 + 12);
    assert.equal(layout.point('module[5].ID'), undefined);
  });

  it('drops points beyond a shorter L (SolarEdge common model L=65 has no Pad)', () => {
    const layout = instantiateModel(catalog.get(1), 65);
    assert.equal(layout.point('DA')?.offset, 66);
    assert.equal(layout.point('Pad'), undefined);
  });

  it('expands a group counted by a point', () => {
    const definition = parseModelDefinition({
      id: 64000,
      group: {
        name: 'test', type: 'group',
        points: [{ name: 'ID', type: 'uint16', size: 1 }, { name: 'L', type: 'uint16', size: 1 }, { name: 'N', type: 'count', size: 1 }],
        groups: [{ name: 'port', type: 'group', count: 'N', points: [{ name: 'V', type: 'uint16', size: 1, sf: 'V_SF' }, { name: 'V_SF', type: 'sunssf', size: 1 }] }],
      },
    });
    const layout = instantiateModel(definition, 1 + 2 * 2, (name) => (name === 'N' ? 2 : undefined));
    assert.equal(layout.point('port[2].V')?.offset, 5);
    assert.equal(layout.point('port[2].V')?.sf, 'port[2].V_SF');
  });

  it('rejects a definition that does not follow the schema', () => {
    assert.throws(() => parseModelDefinition({ id: 1, group: { name: 'x', points: [{ name: 'ID', type: 'int99', size: 1 }] } }), /not a SunSpec model definition/);
    assert.throws(() => catalog.get(9999), /no SunSpec model definition for model 9999/);
  });
});
