// How a gold or metric table reads as a chart: the number it measures and the label of each row.
import { GOLD, METRICS, type NamedTable } from "../../contract";
import type { Row } from "../delta";

const NUMERIC = new Set(["int", "bigint", "double"]);
/** Tables with a row per country: charts show the top rows, with the full table below. */
export const TOP_ROWS = 20;

export interface TableShape {
  name: string;
  /** The column whose value the bars show: the table's last numeric column. */
  measure: string;
  /** The other columns, which name a row. */
  labels: string[];
  perCountry: boolean;
}

export function shapeOf(table: NamedTable): TableShape {
  const measure = table.columns.filter((column) => NUMERIC.has(column.type)).at(-1);
  if (!measure) throw new Error(`table ${table.name} has no numeric column to chart`);
  const labels = table.columns.map((column) => column.name).filter((name) => name !== measure.name);
  return { name: table.name, measure: measure.name, labels, perCountry: labels.includes("country") };
}

export const GOLD_SHAPES: TableShape[] = GOLD.map(shapeOf);
export const METRIC_SHAPES: Record<string, TableShape> = Object.fromEntries(
  METRICS.map((table) => [table.name, shapeOf(table)]),
);

export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(1);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function rowLabel(shape: TableShape, row: Row): string {
  return shape.labels.map((column) => cellText(row[column])).join(" · ");
}

// Age groups sort as 18-24, 25-35, 36-50, +50: the "+" of the oldest group must not put it first.
const labelKey = (label: string): string => label.replace(/^\+/, "");

/** Rows in the order a reader expects: by label (years, age groups, countries). */
export function byLabel(shape: TableShape, rows: Row[]): Row[] {
  return [...rows].sort((a, b) =>
    labelKey(rowLabel(shape, a)).localeCompare(labelKey(rowLabel(shape, b)), "en", { numeric: true }),
  );
}

/** The `n` rows with the largest measure; ties keep label order. */
export function topRows(shape: TableShape, rows: Row[], n: number): Row[] {
  return byLabel(shape, rows)
    .sort((a, b) => Number(b[shape.measure] ?? -Infinity) - Number(a[shape.measure] ?? -Infinity))
    .slice(0, n);
}
