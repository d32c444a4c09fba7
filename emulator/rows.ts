// The three source tables (docs/contract.md, source database), as rows. Datetimes are "YYYY-MM-DD HH:MM:SS" (UTC, no zone).
import type { Table } from "../contract";

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

export function keyOf(row: SourceRow): number {
  return "index" in row ? row.index : row.ind;
}
