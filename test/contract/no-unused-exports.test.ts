// No dead exports: every name a module exports is imported by another module (tests count), or used in its
// own file. tsc's noUnusedLocals cannot see exports, so this walks the program with the compiler API.
import path from "node:path";
import { expect } from "chai";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "../..");
/** Modules whose exports are read by a tool, not imported: Pulumi reads the program's exports as stack outputs. */
const ENTRY_POINTS = new Set(["infra/index.ts"]);

function program(): ts.Program {
  const configPath = path.join(ROOT, "tsconfig.json");
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  // Only the repository's own files: what they import from packages does not decide whether an export is used.
  return ts.createProgram(parsed.fileNames, { ...parsed.options, noResolve: true, types: [] });
}

/** `file: name` of every export that no other module imports and its own file does not use. */
function unusedExports(): string[] {
  const prog = program();
  const checker = prog.getTypeChecker();
  const ours = prog
    .getSourceFiles()
    .filter((file) => !file.isDeclarationFile && !file.fileName.includes("node_modules"));
  const imported = new Set<ts.Symbol>();
  const wholeModules = new Set<ts.Symbol>();
  const original = (symbol: ts.Symbol) =>
    symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  for (const file of ours) {
    const visit = (node: ts.Node) => {
      if (ts.isImportSpecifier(node) || ts.isExportSpecifier(node) || ts.isImportClause(node)) {
        const symbol = node.name && checker.getSymbolAtLocation(node.name);
        if (symbol) imported.add(original(symbol));
      } else if (ts.isPropertyAccessExpression(node) || ts.isQualifiedName(node)) {
        // `contract.NAME` through `import * as contract`.
        const symbol = checker.getSymbolAtLocation(
          ts.isPropertyAccessExpression(node) ? node.name : node.right,
        );
        if (symbol) imported.add(original(symbol));
      } else if (ts.isExportDeclaration(node) && !node.exportClause && node.moduleSpecifier) {
        const moduleSymbol = checker.getSymbolAtLocation(node.moduleSpecifier);
        if (moduleSymbol) wholeModules.add(moduleSymbol);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  const unused: string[] = [];
  for (const file of ours) {
    const relative = path.relative(ROOT, file.fileName);
    const moduleSymbol = checker.getSymbolAtLocation(file);
    if (!moduleSymbol || ENTRY_POINTS.has(relative) || wholeModules.has(moduleSymbol)) continue;
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = original(exported);
      if (imported.has(symbol)) continue;
      const declarations = new Set(
        symbol.declarations?.map((declaration) => ts.getNameOfDeclaration(declaration)),
      );
      let usedHere = false;
      const visit = (node: ts.Node) => {
        if (usedHere) return;
        if (ts.isIdentifier(node) && !declarations.has(node) && checker.getSymbolAtLocation(node) === symbol)
          usedHere = true;
        else ts.forEachChild(node, visit);
      };
      visit(file);
      if (!usedHere) unused.push(`${relative}: ${exported.name}`);
    }
  }
  return unused;
}

describe("repository: no unused exports", () => {
  it("every export is imported elsewhere or used in its own module", function () {
    this.timeout(120_000);
    expect(unusedExports()).to.deep.equal([]);
  });
});
