// The three source tables of DATA-CONTRACT section 1, as rows. Datetimes are "YYYY-MM-DD HH:MM:SS" (UTC, no zone).
import type { PerTable, Table } from "../infra/names";

export interface PinRow {
  index: number;
  unique_id: string;
  title: string;
  description: string;
  poster_name: string;
  follower_count: string;
  tag_list: string;
  is_image_or_video: string;
  image_src: string;
  downloaded: number;
  save_location: string;
  category: string;
}

export interface GeoRow {
  ind: number;
  timestamp: string;
  latitude: number;
  longitude: number;
  country: string;
}

export interface UserRow {
  ind: number;
  first_name: string;
  last_name: string;
  age: number;
  date_joined: string;
}

/** One post: its row in each table, all with the same key. */
export type Post = { pin: PinRow; geo: GeoRow; user: UserRow };
export type SourceRow = Post[Table];
export type Counts = PerTable<number>;

/** Column names per table, in the order of DATA-CONTRACT section 1. */
export const COLUMNS = {
  pin: [
    "index",
    "unique_id",
    "title",
    "description",
    "poster_name",
    "follower_count",
    "tag_list",
    "is_image_or_video",
    "image_src",
    "downloaded",
    "save_location",
    "category",
  ],
  geo: ["ind", "timestamp", "latitude", "longitude", "country"],
  user: ["ind", "first_name", "last_name", "age", "date_joined"],
} as const satisfies PerTable<readonly string[]>;

/** Source table name of each logical table. */
export const SOURCE_TABLES: PerTable<string> = {
  pin: "pinterest_data",
  geo: "geolocation_data",
  user: "user_data",
};

export function keyOf(row: SourceRow): number {
  return "index" in row ? row.index : row.ind;
}
