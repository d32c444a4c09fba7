// Table names local mode reads: the source tables (owned by the emulator) and the jobs' output tables.
import type { PerTable } from "../infra/names";

export { SOURCE_TABLES } from "../emulator/rows";

/** Batch job output below its --output directory. */
export const SILVER_TABLES: PerTable<string> = { pin: "pin_silver", geo: "geo_silver", user: "user_silver" };
/** Stream job output below its --output directory. */
export const STREAM_TABLES: PerTable<string> = { pin: "pin_stream", geo: "geo_stream", user: "user_stream" };

/** DATA-CONTRACT section 5, in the order it lists them. */
export const GOLD_TABLES = [
  "popular_category_by_country",
  "popular_category_by_year",
  "most_followed_user_by_country",
  "country_with_most_followed_user",
  "popular_category_by_age_group",
  "median_followers_by_age_group",
  "users_joined_by_year",
  "median_followers_by_join_year",
  "median_followers_by_join_year_and_age_group",
] as const;
