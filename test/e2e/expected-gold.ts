// The gold tables of docs/contract.md sections 4-5, computed in TypeScript straight from the source rows, so that the
// end-to-end test checks the jobs' answers against an implementation that shares no code with them.

export type SourceRow = Record<string, unknown>;
export type GoldRow = Record<string, string | number>;

export interface SourceRows {
  pin: SourceRow[];
  geo: SourceRow[];
  user: SourceRow[];
}

const PIN_PLACEHOLDERS = new Set([
  "No Title Data Available",
  "Untitled",
  "No description available Story format",
  "No description available",
  "User Info Error",
  "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
  "Image src error.",
]);

/** Trimmed of leading and trailing whitespace (NBSP and every Unicode space included); "" becomes null. */
export function cleanText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = String(value).replace(/^[\s\p{Z}\uFEFF]+|[\s\p{Z}\uFEFF]+$/gu, "");
  return trimmed === "" ? null : trimmed;
}

function pinText(value: unknown): string | null {
  const text = cleanText(value);
  return text !== null && PIN_PLACEHOLDERS.has(text) ? null : text;
}

/** `532` -> 532, `1.5k` -> 1500, `3M` -> 3000000, rounded half up; anything else -> null. */
export function followerCount(value: unknown): number | null {
  const text = pinText(value);
  const match = text === null ? null : /^([0-9]+)(?:\.([0-9]+))?\s*([kKmM]?)$/.exec(text);
  if (!match) return null;
  const [, whole, fraction = "", unit] = match;
  const multiplier = unit === "" ? 1n : unit.toLowerCase() === "k" ? 1000n : 1_000_000n;
  const scale = 10n ** BigInt(fraction.length);
  const scaled = BigInt(whole + fraction) * multiplier;
  return Number((scaled * 2n + scale) / (scale * 2n));
}

/** The year of a datetime given as `YYYY-MM-DD hh:mm:ss`, `YYYY-MM-DDThh:mm:ss` or a Date. */
function yearOf(value: unknown): number | null {
  if (value instanceof Date) return value.getUTCFullYear();
  const text = cleanText(value);
  return text === null ? null : Number(text.slice(0, 4));
}

function datetimeKey(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString().slice(0, 19);
  const text = cleanText(value);
  return text === null ? null : text.replace(" ", "T").slice(0, 19);
}

export function ageGroup(age: number | null): string | null {
  if (age === null) return null;
  if (age >= 18 && age <= 24) return "18-24";
  if (age >= 25 && age <= 35) return "25-35";
  if (age >= 36 && age <= 50) return "36-50";
  if (age >= 51) return "+50";
  return null;
}

/** percentile_cont(0.5): the middle value, or the mean of the two middle values. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = (sorted.length - 1) / 2;
  const low = sorted[Math.floor(middle)];
  const high = sorted[Math.ceil(middle)];
  return low + (high - low) * (middle - Math.floor(middle));
}

interface Post {
  ind: number;
  category: string | null;
  posterName: string | null;
  followers: number | null;
  country: string | null;
  postYear: number | null;
  userName: string | null;
  age: number | null;
  ageGroup: string | null;
  dateJoined: string | null;
  joinYear: number | null;
}

/** Cleans, deduplicates (one row per key) and inner-joins the three tables on their key. */
function posts(source: SourceRows): { joined: Post[]; users: Post[] } {
  const byKey = (rows: SourceRow[], key: string): Map<number, SourceRow> =>
    new Map(rows.map((row) => [Number(row[key]), row]));
  const geo = byKey(source.geo, "ind");
  const user = byKey(source.user, "ind");
  const userPart = (
    row: SourceRow,
  ): Pick<Post, "userName" | "age" | "ageGroup" | "dateJoined" | "joinYear"> => {
    const names = [cleanText(row.first_name), cleanText(row.last_name)].filter(
      (name): name is string => name !== null,
    );
    const age = row.age === null || row.age === undefined ? null : Number(row.age);
    return {
      userName: names.length > 0 ? names.join(" ") : null,
      age,
      ageGroup: ageGroup(age),
      dateJoined: datetimeKey(row.date_joined),
      joinYear: yearOf(row.date_joined),
    };
  };
  const users = [...user.entries()].map(([ind, row]) => ({ ind, ...userPart(row) }) as Post);
  const joined: Post[] = [];
  for (const [ind, pin] of byKey(source.pin, "index")) {
    const geoRow = geo.get(ind);
    const userRow = user.get(ind);
    if (!geoRow || !userRow) continue;
    joined.push({
      ind,
      category: pinText(pin.category),
      posterName: pinText(pin.poster_name),
      followers: followerCount(pin.follower_count),
      country: cleanText(geoRow.country),
      postYear: yearOf(geoRow.timestamp),
      ...userPart(userRow),
    });
  }
  return { joined, users };
}

function groupBy<T>(items: T[], key: (item: T) => string | number | null): Map<string | number, T[]> {
  const groups = new Map<string | number, T[]>();
  for (const item of items) {
    const value = key(item);
    if (value === null) continue;
    groups.set(value, [...(groups.get(value) ?? []), item]);
  }
  return groups;
}

/** The most popular category of each group: highest count, ties to the smallest category name. */
function popularCategory(
  items: Post[],
  groupColumn: string,
  group: (post: Post) => string | number | null,
): GoldRow[] {
  return [...groupBy(items, group)].flatMap(([groupValue, members]) => {
    const counts = [...groupBy(members, (post) => post.category)].map(([category, list]) => ({
      category: String(category),
      count: list.length,
    }));
    if (counts.length === 0) return [];
    counts.sort(
      (a, b) => b.count - a.count || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0),
    );
    return [{ [groupColumn]: groupValue, category: counts[0].category, category_count: counts[0].count }];
  });
}

function medians(items: Post[], groups: [string, (post: Post) => string | number | null][]): GoldRow[] {
  const withFollowers = items.filter(
    (post) => post.followers !== null && groups.every(([, key]) => key(post) !== null),
  );
  const buckets = groupBy(withFollowers, (post) => JSON.stringify(groups.map(([, key]) => key(post))));
  return [...buckets].map(([bucket, members]) => {
    const values = JSON.parse(String(bucket)) as (string | number)[];
    const row: GoldRow = {};
    groups.forEach(([column], index) => (row[column] = values[index]));
    row.median_follower_count = median(members.map((post) => post.followers!));
    return row;
  });
}

const inRange = (value: number | null, first: number, last: number): boolean =>
  value !== null && value >= first && value <= last;

export function expectedGold(source: SourceRows): Record<string, GoldRow[]> {
  const { joined, users } = posts(source);
  const joinYears = joined.filter((post) => inRange(post.joinYear, 2015, 2020));

  const mostFollowed = [
    ...groupBy(
      joined.filter((post) => post.posterName !== null && post.followers !== null),
      (post) => post.country,
    ),
  ].map(([country, members]) => {
    members.sort(
      (a, b) =>
        b.followers! - a.followers! ||
        (a.posterName! < b.posterName! ? -1 : a.posterName! > b.posterName! ? 1 : 0),
    );
    return {
      country: String(country),
      poster_name: members[0].posterName!,
      follower_count: members[0].followers!,
    };
  });
  const topCountry = [...mostFollowed].sort(
    (a, b) => b.follower_count - a.follower_count || (a.country < b.country ? -1 : 1),
  )[0];

  const distinctUsers = new Map<number, Set<string>>();
  for (const user of users) {
    if (user.userName === null || !inRange(user.joinYear, 2015, 2020)) continue;
    const people = distinctUsers.get(user.joinYear!) ?? new Set<string>();
    people.add(JSON.stringify([user.userName, user.dateJoined]));
    distinctUsers.set(user.joinYear!, people);
  }

  return {
    popular_category_by_country: popularCategory(joined, "country", (post) => post.country),
    popular_category_by_year: popularCategory(
      joined.filter((post) => inRange(post.postYear, 2018, 2022)),
      "post_year",
      (post) => post.postYear,
    ),
    most_followed_user_by_country: mostFollowed,
    country_with_most_followed_user: topCountry
      ? [{ country: topCountry.country, follower_count: topCountry.follower_count }]
      : [],
    popular_category_by_age_group: popularCategory(joined, "age_group", (post) => post.ageGroup),
    median_followers_by_age_group: medians(joined, [["age_group", (post) => post.ageGroup]]),
    users_joined_by_year: [...distinctUsers].map(([year, people]) => ({
      post_year: year,
      number_users_joined: people.size,
    })),
    median_followers_by_join_year: medians(joinYears, [["post_year", (post) => post.joinYear]]),
    median_followers_by_join_year_and_age_group: medians(joinYears, [
      ["age_group", (post) => post.ageGroup],
      ["post_year", (post) => post.joinYear],
    ]),
  };
}

/** Rows as sorted JSON lines with keys in a fixed order, so that two tables compare regardless of row order. */
export function canonical(rows: Record<string, unknown>[]): string[] {
  return rows
    .map((row) =>
      JSON.stringify(
        Object.keys(row)
          .sort()
          .map((key) => [key, row[key]]),
      ),
    )
    .sort();
}
