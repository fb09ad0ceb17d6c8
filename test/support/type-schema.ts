/**
 * A JSON Schema of TypeScript types, read with the compiler: every property of one exported
 * interface becomes a schema, named types become `$defs`. Enough for the `--json` contract (plain
 * data: objects, arrays, unions, literals, records); anything else is reported, not guessed.
 */
import ts from 'typescript';

type Schema = Record<string, unknown>;

export function typeSchema(file: string, rootInterface: string): Schema {
  const program = ts.createProgram([file], {
    strict: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  const root = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === rootInterface);
  if (!root) throw new Error(`${file} exports no ${rootInterface}`);

  const defs: Record<string, Schema> = {};
  const names = new Map<ts.Type, string>();

  const nameOf = (type: ts.Type): string | undefined => {
    if (type.aliasSymbol && !type.aliasTypeArguments) return type.aliasSymbol.name;
    const objectFlags = (type as ts.ObjectType).objectFlags ?? 0;
    if (type.flags & ts.TypeFlags.Object && objectFlags & ts.ObjectFlags.Interface) return type.symbol.name;
    return undefined;
  };

  const named = (type: ts.Type, name: string): Schema => {
    let key = names.get(type);
    if (!key) {
      key = name;
      for (let n = 2; key in defs; n++) key = `${name}${n}`;
      names.set(type, key);
      defs[key] = {};
      defs[key] = inline(type);
    }
    return { $ref: `#/$defs/${key}` };
  };

  const schemaOf = (type: ts.Type): Schema => {
    const name = nameOf(type);
    return name ? named(type, name) : inline(type);
  };

  const withoutUndefined = (type: ts.Type): ts.Type[] =>
    type.isUnion() ? type.types.filter((t) => !(t.flags & ts.TypeFlags.Undefined)) : [type];

  const inline = (type: ts.Type): Schema => {
    const f = type.flags;
    if (f & (ts.TypeFlags.Unknown | ts.TypeFlags.Any)) return {};
    if (f & ts.TypeFlags.String) return { type: 'string' };
    if (f & ts.TypeFlags.Number) return { type: 'number' };
    if (f & ts.TypeFlags.Boolean) return { type: 'boolean' };
    if (f & ts.TypeFlags.Null) return { type: 'null' };
    if (type.isStringLiteral() || type.isNumberLiteral()) return { const: type.value };
    if (f & ts.TypeFlags.BooleanLiteral) return { const: checker.typeToString(type) === 'true' };
    if (type.isUnion()) {
      const members = withoutUndefined(type);
      if (members.length === 1 && members[0]) return schemaOf(members[0]);
      if (members.every((m) => m.isStringLiteral()))
        return { enum: members.map((m) => (m as ts.StringLiteralType).value).sort() };
      const booleans = members.filter((m) => m.flags & ts.TypeFlags.BooleanLiteral);
      const rest = members.filter((m) => !(m.flags & ts.TypeFlags.BooleanLiteral));
      const anyOf = [
        ...(booleans.length === 2 ? [{ type: 'boolean' }] : booleans.map(inline)),
        ...rest.map(schemaOf),
      ];
      return { anyOf };
    }
    if (type.isIntersection()) return { allOf: type.types.map(schemaOf) };
    if (checker.isArrayType(type)) {
      const [item] = checker.getTypeArguments(type as ts.TypeReference);
      return { type: 'array', items: item ? schemaOf(item) : {} };
    }
    if (checker.isTupleType(type)) {
      return { type: 'array', prefixItems: checker.getTypeArguments(type as ts.TypeReference).map(schemaOf) };
    }
    if (f & ts.TypeFlags.Object) return objectSchema(type);
    throw new Error(`cannot describe ${checker.typeToString(type)} in JSON`);
  };

  const objectSchema = (type: ts.Type): Schema => {
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const property of checker.getPropertiesOfType(type)) {
      const declared = checker.getTypeOfSymbol(property);
      if (declared.getCallSignatures().length > 0)
        throw new Error(`${property.name} is a function, not data`);
      const optional = (property.flags & ts.SymbolFlags.Optional) !== 0;
      const members = withoutUndefined(declared);
      properties[property.name] =
        members.length === 1 && members[0] ? schemaOf(members[0]) : inline(declared);
      if (!optional) required.push(property.name);
    }
    const index = checker.getIndexInfosOfType(type)[0];
    return {
      type: 'object',
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      ...(required.length > 0 ? { required } : {}),
      ...(index ? { additionalProperties: schemaOf(index.type) } : {}),
    };
  };

  const rootType = checker.getDeclaredTypeOfSymbol(root);
  const commands: Record<string, Schema> = {};
  for (const property of checker.getPropertiesOfType(rootType))
    commands[property.name] = schemaOf(checker.getTypeOfSymbol(property));
  const sortedDefs = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => (a < b ? -1 : 1)));
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'hk8s --json output, by command',
    type: 'object',
    properties: commands,
    $defs: sortedDefs,
  };
}
