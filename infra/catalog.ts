// The catalog, declared (docs/deploying.md, "The catalog and the serving views"): every table of the contract as a
// Unity Catalog managed Delta table with its columns, comments and properties, the serving views of
// docs/contract.md section 8, and the SQL warehouse that runs their DDL and serves them to users. Everything is
// generated from contract/: nothing here lists a table or a column.
import * as databricks from "@pulumi/databricks";
import * as pulumi from "@pulumi/pulumi";
import { CATALOG_TABLES, tableProperties, type CatalogTable, type SchemaRole } from "../contract";
import { quotedName, servingViews, type ViewDefinition } from "../contract/serving";
import type { WarehouseSettings } from "./config";

/** Where the tables go: a catalog and the batch and stream schemas, by name. */
export interface TableLocation {
  catalog: string;
  schemas: Record<SchemaRole, string>;
}

/** A table or view of the location as SQL names it, fully qualified: the warehouse's session has no default. */
export function tableRef(location: TableLocation): (schema: SchemaRole, name: string) => string {
  return (schema, name) => quotedName(location.catalog, location.schemas[schema], name);
}

/**
 * Unity Catalog's rules for a securable's name (docs.databricks.com, Unity Catalog requirements, "Securable object
 * naming requirements": at most 255 characters; no period, space, forward slash, ASCII control character or DELETE;
 * stored lower case); the problems, empty when it is valid.
 */
export function unityCatalogNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length === 0 || name.length > 255) problems.push(`"${name}" is not 1-255 characters`);
  // eslint-disable-next-line no-control-regex
  if (/[.\s/\u0000-\u001f\u007f]/.test(name))
    problems.push(`"${name}" has a period, space, slash or control character`);
  if (name !== name.toLowerCase())
    problems.push(`"${name}" is not lower case (Unity Catalog stores it lower-cased)`);
  return problems;
}

/** The SqlTable inputs of one contract table: a managed Delta table with the contract's columns and properties. */
export function managedTableArgs(table: CatalogTable, location: TableLocation) {
  return {
    catalogName: location.catalog,
    schemaName: location.schemas[table.schema],
    name: table.name,
    // No dataSourceFormat: with "DELTA" the provider creates a MANAGED table by CREATE OR REPLACE TABLE, which
    // would empty a table the jobs already filled; without it, CREATE TABLE (Delta, Databricks' default format),
    // which fails on an existing table instead (terraform-provider-databricks catalog/resource_sql_table.go,
    // buildTableCreateStatement).
    tableType: "MANAGED",
    comment: table.comment,
    columns: table.columns.map((column) => ({
      name: column.name,
      type: column.type,
      comment: column.comment,
    })),
    properties: tableProperties(table.name),
  };
}

/** The SqlTable inputs of one serving view, in the batch schema. */
export function viewArgs(view: ViewDefinition, location: TableLocation) {
  return {
    catalogName: location.catalog,
    schemaName: location.schemas.batch,
    name: view.name,
    tableType: "VIEW",
    comment: view.comment,
    viewDefinition: view.sql,
  };
}

/** The warehouse's inputs: PRO (what serverless needs, and what serves Unity Catalog), one cluster, tagged. */
export function warehouseArgs(prefix: string, settings: WarehouseSettings, tags: Record<string, string>) {
  return {
    name: `${prefix}-sql`,
    clusterSize: settings.size,
    autoStopMins: settings.autoStopMinutes,
    enableServerlessCompute: settings.serverless,
    warehouseType: "PRO",
    minNumClusters: 1,
    maxNumClusters: 1,
    tags: { customTags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
  };
}

export interface CatalogArgs {
  prefix: string;
  location: TableLocation;
  /** The schemas the tables go in: created before them, deleted after them. */
  schemas: pulumi.Resource[];
  warehouse: WarehouseSettings;
  tags: Record<string, string>;
  /** Pulumi `protect` on the tables (they hold the data), as on the data bucket. */
  protectTables: boolean;
}

export class Catalog extends pulumi.ComponentResource {
  readonly warehouse: databricks.SqlEndpoint;
  readonly tables: Record<string, databricks.SqlTable> = {};
  readonly views: Record<string, databricks.SqlTable> = {};

  constructor(name: string, args: CatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pinterest:pipeline:Catalog", name, {}, opts);
    this.warehouse = new databricks.SqlEndpoint(
      `${name}-warehouse`,
      warehouseArgs(args.prefix, args.warehouse, args.tags),
      { parent: this },
    );
    const onWarehouse = { warehouseId: this.warehouse.id };

    for (const table of CATALOG_TABLES) {
      this.tables[table.name] = new databricks.SqlTable(
        `${name}-table-${table.name}`,
        { ...managedTableArgs(table, args.location), ...onWarehouse },
        { parent: this, dependsOn: args.schemas, protect: args.protectTables },
      );
    }
    // Each view after what it reads, so destroy drops the views before their tables.
    for (const view of servingViews(tableRef(args.location))) {
      this.views[view.name] = new databricks.SqlTable(
        `${name}-view-${view.name}`,
        { ...viewArgs(view, args.location), ...onWarehouse },
        {
          parent: this,
          dependsOn: [
            ...view.readsTables.map((table) => this.tables[table]),
            ...view.readsViews.map((read) => this.views[read]),
          ],
          // A replaced view keeps its name, so the old one goes first; the provider replaces a view whose comment
          // changes (resource_sql_table.go CustomizeDiff: ForceNew on comment for VIEW).
          deleteBeforeReplace: true,
        },
      );
    }
    this.registerOutputs({ warehouseId: this.warehouse.id });
  }
}
