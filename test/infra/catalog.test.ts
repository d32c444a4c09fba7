// The catalog declared (infra/catalog.ts): every contract table once as a managed Delta table, the serving views,
// and the SQL warehouse their DDL runs on, under mocks for dev, prod and mount storage with a catalog (mount storage
// without one declares none: programVariants.test.ts); then the pure parts, table-driven.
import { expect } from "chai";
import { CATALOG_TABLES, deltaSchemaNames, GOLD_TABLES, tableProperties, TABLES } from "../../contract";
import { quotedName, servingViews } from "../../contract/serving";
import {
  managedTableArgs,
  tableRef,
  unityCatalogNameProblems,
  viewArgs,
  warehouseArgs,
} from "../../infra/catalog";
import { parseConfig } from "../../infra/config";
import { PROJECT } from "../../infra/names";
import { unityCatalogNames } from "../../infra/physicalNames";
import {
  RecordedResource,
  runStack,
  StackRun,
  TEST_CONFLUENT_SHA256,
  TEST_CONNECTOR_ARCHIVE_SHA256,
} from "./harness/stackRun";

const SQL_TABLE = "databricks:index/sqlTable:SqlTable";
const WAREHOUSE = "databricks:index/sqlEndpoint:SqlEndpoint";
const userSet = {
  [`${PROJECT}:databricksHost`]: "https://dbc-1234abcd-5678.cloud.databricks.com",
  [`${PROJECT}:databricksToken`]: "dapi-token",
  [`${PROJECT}:confluentSha256`]: TEST_CONFLUENT_SHA256,
  [`${PROJECT}:connectPluginSha256`]: TEST_CONNECTOR_ARCHIVE_SHA256,
};

interface Variant {
  title: string;
  stack: "dev" | "prod";
  prefix: string;
  values: Record<string, string>;
  catalog: (prefix: string) => string;
  warehouse: { clusterSize: string; autoStopMins: number; enableServerlessCompute: boolean };
  protectedTables: boolean;
}

const VARIANTS: Variant[] = [
  {
    title: "dev (unity-catalog, the program's catalog)",
    stack: "dev",
    prefix: "pinpipe-dev",
    values: userSet,
    catalog: (prefix) => unityCatalogNames(prefix).catalog,
    warehouse: { clusterSize: "2X-Small", autoStopMins: 10, enableServerlessCompute: true },
    protectedTables: false,
  },
  {
    title: "prod (unity-catalog, protected tables)",
    stack: "prod",
    prefix: "pinpipe-prod",
    values: userSet,
    catalog: (prefix) => unityCatalogNames(prefix).catalog,
    warehouse: { clusterSize: "2X-Small", autoStopMins: 10, enableServerlessCompute: true },
    protectedTables: true,
  },
  {
    title: "dev, mount storage with databricksCatalog and a classic-compute warehouse",
    stack: "dev",
    prefix: "pinpipe-dev",
    values: {
      ...userSet,
      [`${PROJECT}:databricksStorage`]: "mount",
      [`${PROJECT}:databricksCrossAccountRoleName`]: "dbx-cross-account",
      [`${PROJECT}:databricksCatalog`]: "analytics",
      [`${PROJECT}:sqlWarehouseServerless`]: "false",
      [`${PROJECT}:sqlWarehouseSize`]: "Small",
      [`${PROJECT}:sqlWarehouseAutoStopMinutes`]: "30",
    },
    catalog: () => "analytics",
    warehouse: { clusterSize: "Small", autoStopMins: 30, enableServerlessCompute: false },
    protectedTables: false,
  },
];

for (const variant of VARIANTS) {
  describe(`the declared catalog on ${variant.title} (mocks)`, function () {
    this.timeout(120_000);
    let run: StackRun;
    const all = (type: string) => run.resources.filter((resource) => resource.type === type);
    const tables = () => all(SQL_TABLE).filter((resource) => resource.inputs.tableType === "MANAGED");
    const views = () => all(SQL_TABLE).filter((resource) => resource.inputs.tableType === "VIEW");
    const catalog = variant.catalog(variant.prefix);
    const schemas = deltaSchemaNames(variant.prefix);
    const location = { catalog, schemas };
    const viewNamed = (name: string) => views().find((view) => view.inputs.name === name) as RecordedResource;
    const urnName = (urn: string) => urn.split("::").pop();
    const dependsOn = (resource: RecordedResource) => (resource.dependencies ?? []).map(urnName);

    before(async () => {
      run = await runStack(variant.stack, {
        values: variant.values,
        secretKeys: [`${PROJECT}:databricksToken`],
      });
    });

    it("declares every contract table once, as a managed table with the contract's columns, comments and properties", () => {
      const declared = tables();
      // Resources register in no fixed order under mocks; each name once.
      expect(declared.map((table) => table.inputs.name).sort()).to.deep.equal(
        CATALOG_TABLES.map((table) => table.name).sort(),
      );
      for (const table of CATALOG_TABLES) {
        const resource = declared.find(
          (candidate) => candidate.inputs.name === table.name,
        ) as RecordedResource;
        expect(resource.inputs).to.deep.include({
          catalogName: catalog,
          schemaName: schemas[table.schema],
          comment: table.comment,
          properties: tableProperties(table.name),
        });
        expect(resource.inputs.columns).to.deep.equal(
          table.columns.map((column) => ({ name: column.name, type: column.type, comment: column.comment })),
        );
        expect(resource.protect, resource.name).to.equal(variant.protectedTables);
      }
    });

    it("puts silver, quarantine and gold in the batch schema, the stream tables and metrics in the stream schema", () => {
      const schemaOf = (name: string) =>
        tables().find((table) => table.inputs.name === name)?.inputs.schemaName;
      expect(schemaOf(CATALOG_TABLES[0].name)).to.equal(schemas.batch);
      for (const gold of GOLD_TABLES) expect(schemaOf(gold)).to.equal(schemas.batch);
      expect(schemaOf(`${TABLES[0]}_stream`)).to.equal(schemas.stream);
    });

    it("declares pin_now, geo_now, user_now and one <gold>_now per gold table, in the batch schema", () => {
      const expected = servingViews(tableRef(location));
      expect(
        views()
          .map((view) => view.inputs.name)
          .sort(),
      ).to.deep.equal(
        [...TABLES.map((table) => `${table}_now`), ...GOLD_TABLES.map((gold) => `${gold}_now`)].sort(),
      );
      for (const definition of expected) {
        expect(viewNamed(definition.name).inputs).to.deep.include({
          catalogName: catalog,
          schemaName: schemas.batch,
          viewDefinition: definition.sql,
          comment: definition.comment,
        });
      }
      // Fully qualified: the statement runs on a warehouse whose session has no current catalog or schema of ours.
      expect(viewNamed(`${TABLES[0]}_now`).inputs.viewDefinition).to.contain(
        quotedName(catalog, schemas.stream, `${TABLES[0]}_stream`),
      );
    });

    it("each view waits for what it reads, so destroy drops views before their tables", () => {
      for (const definition of servingViews(tableRef(location))) {
        const view = viewNamed(definition.name);
        const reads = [
          ...definition.readsTables.map((name) => tables().find((table) => table.inputs.name === name)),
          ...definition.readsViews.map(viewNamed),
        ].map((resource) => resource?.name);
        expect(reads).to.have.length.greaterThan(0);
        expect(dependsOn(view)).to.include.members(reads);
      }
    });

    it("runs every table's and view's DDL on the stack's SQL warehouse, through the workspace provider", () => {
      const [warehouse] = all(WAREHOUSE);
      expect(all(WAREHOUSE)).to.have.length(1);
      expect(warehouse.inputs).to.deep.include({
        ...variant.warehouse,
        warehouseType: "PRO",
        name: `${variant.prefix}-sql`,
      });
      for (const resource of [...all(SQL_TABLE), warehouse]) {
        if (resource !== warehouse) expect(resource.inputs.warehouseId, resource.name).to.equal(warehouse.id);
        expect(resource.provider, resource.name).to.match(/pulumi:providers:databricks::/);
      }
    });

    it("the tables wait for their schemas, and the jobs wait for the tables", () => {
      const schemaResources = all("databricks:index/schema:Schema")
        .filter((schema) => Object.values(schemas).includes(schema.inputs.name as string))
        .map((schema) => schema.name);
      expect(schemaResources).to.have.length(2);
      for (const table of tables()) expect(dependsOn(table)).to.include.members(schemaResources);
      for (const job of all("databricks:index/job:Job"))
        expect(dependsOn(job), job.name).to.include.members(tables().map((table) => table.name));
    });

    it("every catalog, schema, table and view name is valid for Unity Catalog", () => {
      const names = [
        catalog,
        ...Object.values(schemas),
        ...all(SQL_TABLE).map((resource) => resource.inputs.name as string),
      ];
      expect(names.flatMap(unityCatalogNameProblems)).to.deep.equal([]);
    });
  });
}

describe("the declared catalog's pure parts", () => {
  const location = { catalog: "pinpipe_dev", schemas: deltaSchemaNames("pinpipe-dev") };

  it("a managed table names no data source format, so an existing table is never replaced", () => {
    // terraform-provider-databricks catalog/resource_sql_table.go, buildTableCreateStatement: with
    // data_source_format DELTA a MANAGED table is created by CREATE OR REPLACE TABLE (a table the jobs already
    // filled would be emptied); without it, by CREATE TABLE, Delta being Databricks' default, which fails instead.
    for (const table of CATALOG_TABLES) {
      const args = managedTableArgs(table, location);
      expect(args).not.to.have.property("dataSourceFormat");
      expect(args.tableType).to.equal("MANAGED");
    }
  });

  it("no table property holds a quote: the provider writes them into TBLPROPERTIES unescaped", () => {
    // resource_sql_table.go serializeProperties: fmt.Sprintf("'%s'='%s'", key, value), no escaping. Comments
    // are escaped there (parseComment), so they may hold quotes.
    for (const table of CATALOG_TABLES)
      for (const [key, value] of Object.entries(managedTableArgs(table, location).properties))
        expect(`${key}=${value}`).not.to.match(/['\\]/);
  });

  it("a view carries no column types (the provider takes none for VIEW) and lives in the batch schema", () => {
    // docs/resources/sql_table.md: column `type` "Not supported for VIEW table_type".
    const [view] = servingViews(tableRef(location));
    expect(viewArgs(view, location)).to.deep.equal({
      catalogName: "pinpipe_dev",
      schemaName: "pinpipe_dev_batch",
      name: "pin_now",
      tableType: "VIEW",
      comment: view.comment,
      viewDefinition: view.sql,
    });
  });

  it("names a relation by catalog, schema and name, each in backticks", () => {
    expect(tableRef(location)("stream", "pin_stream")).to.equal(
      "`pinpipe_dev`.`pinpipe_dev_stream`.`pin_stream`",
    );
  });

  const names: [string, boolean][] = [
    ["pin_now", true],
    ["pinpipe_dev_batch", true],
    ["a".repeat(255), true],
    ["a".repeat(256), false],
    ["", false],
    ["with.period", false],
    ["with space", false],
    ["with/slash", false],
    ["tab\tinside", false],
    ["del\u007f", false],
    ["Upper", false],
  ];
  for (const [name, valid] of names) {
    it(`Unity Catalog ${valid ? "accepts" : "refuses"} ${JSON.stringify(name.length > 20 ? `${name.slice(0, 5)}…(${name.length})` : name)}`, () => {
      expect(unityCatalogNameProblems(name)).to.have.length(valid ? 0 : 1);
    });
  }

  it("the warehouse is PRO with one cluster and the stack's tags", () => {
    expect(
      warehouseArgs(
        "pinpipe-dev",
        { size: "X-Small", autoStopMinutes: 15, serverless: true },
        { stack: "dev" },
      ),
    ).to.deep.equal({
      name: "pinpipe-dev-sql",
      clusterSize: "X-Small",
      autoStopMins: 15,
      enableServerlessCompute: true,
      warehouseType: "PRO",
      minNumClusters: 1,
      maxNumClusters: 1,
      tags: { customTags: [{ key: "stack", value: "dev" }] },
    });
  });

  const base = {
    "aws:region": "us-east-1",
    [`${PROJECT}:prefix`]: "pinpipe-dev",
    ...userSet,
  };
  const warehouseConfigs: [Record<string, string>, RegExp | object][] = [
    [{}, { size: "2X-Small", autoStopMinutes: 10, serverless: true }],
    [
      { sqlWarehouseSize: "Medium", sqlWarehouseAutoStopMinutes: "60", sqlWarehouseServerless: "false" },
      { size: "Medium", autoStopMinutes: 60, serverless: false },
    ],
    [{ sqlWarehouseSize: "tiny" }, /sqlWarehouseSize" is "tiny" but must be one of 2X-Small, X-Small/],
    // The API takes 0 or at least 10 (SQL Warehouses API, create: auto_stop_mins); 0 would never stop.
    [
      { sqlWarehouseAutoStopMinutes: "5" },
      /sqlWarehouseAutoStopMinutes" is "5" but must be an integer from 10 to 1440/,
    ],
    [{ sqlWarehouseAutoStopMinutes: "0" }, /sqlWarehouseAutoStopMinutes" is "0"/],
    [{ sqlWarehouseServerless: "yes" }, /sqlWarehouseServerless" is "yes" but must be true or false/],
  ];
  for (const [set, expected] of warehouseConfigs) {
    it(`config ${JSON.stringify(set)} ${expected instanceof RegExp ? "is refused" : "gives the warehouse settings"}`, () => {
      const raw = {
        ...base,
        ...Object.fromEntries(Object.entries(set).map(([key, value]) => [`${PROJECT}:${key}`, value])),
      };
      if (expected instanceof RegExp) expect(() => parseConfig(raw, "dev")).to.throw(expected);
      else expect(parseConfig(raw, "dev").databricks.warehouse).to.deep.equal(expected);
    });
  }
});
