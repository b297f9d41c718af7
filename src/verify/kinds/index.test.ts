import { describe, expect, it } from 'vitest';
import { checkSchema } from '../schema.ts';
import { KINDS } from './index.ts';

describe('the check kind table', () => {
  it('files every kind under its own source name', () => {
    for (const [name, kind] of Object.entries(KINDS)) expect(kind.source).toBe(name);
  });

  it('gives the check file schema one branch per kind, discriminated by source, in table order', () => {
    const branches = checkSchema.oneOf as Array<{ properties: { source: { const: string } }; required: string[] }>;
    expect(branches.map((b) => b.properties.source.const)).toEqual(Object.keys(KINDS));
    for (const [i, kind] of Object.values(KINDS).entries()) {
      // The common fields are required of every kind, its own on top.
      expect(branches[i]?.required).toEqual([
        'id',
        'title',
        'requirements',
        'severity',
        'source',
        ...kind.schema.required,
      ]);
      for (const f of kind.schema.required) expect(Object.keys(kind.schema.properties)).toContain(f);
    }
  });
});
