// Realistic posts, calibrated on the facts of docs/contract.md section 1. Same seed, same posts.
import { PLACEHOLDERS } from "../contract";
import { CATEGORIES, type Category } from "./vocabulary";
import * as words from "./vocabulary";
import { COUNTRIES } from "./countries";
import { Random, WeightedTable } from "./random";
import type { GeoRow, PinRow, Post, UserRow } from "./rows";

/** Rates measured on the real tables (see docs/contract.md section 1 and the peers' samples). */
export const RATES = {
  story: 0.07,
  video: 0.03,
  /** Share of story posts that carry every placeholder (title, poster, followers, tags, image). */
  storyAllPlaceholders: 0.11,
  /** Share of story posts whose image alone is an error. */
  storyImageError: 0.24,
  noDescription: 0.015,
  noTags: 0.007,
  untitled: 0.0005,
  emptyTitle: 0.0005,
  truncatedDescription: 0.37,
  titleEmoji: 0.013,
  titleAccent: 0.05,
  titleQuote: 0.075,
  titleNbsp: 0.003,
  descriptionNewline: 0.01,
  descriptionTrailingSpace: 0.01,
  descriptionEmoji: 0.01,
  posterTrailingSpace: 0.017,
} as const;

const TIME = {
  joinedFrom: Date.UTC(2015, 9, 21, 3, 17, 47),
  joinedTo: Date.UTC(2017, 9, 20, 10, 44, 26),
  postedFrom: Date.UTC(2017, 9, 19, 15, 13, 42),
  postedTo: Date.UTC(2022, 9, 19, 17, 54, 26),
};

/** MySQL DATETIME text of a UTC instant, seconds precision. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

interface Person {
  first_name: string;
  last_name: string;
  age: number;
  date_joined: string;
  latitude: number;
  longitude: number;
  country: string;
}

interface Poster {
  name: string;
  followerCount: string;
}

const AGES = Array.from({ length: 41 }, (_, i) => 20 + i);
const tables = {
  country: WeightedTable.zipf(COUNTRIES, 0.8, 2),
  firstName: WeightedTable.zipf(words.FIRST_NAMES, 0.9),
  lastName: WeightedTable.zipf(words.LAST_NAMES, 0.9),
  age: WeightedTable.zipf(AGES, 0.85),
  // Posts per person: a power law, most people post once, a few post hundreds of times.
  postsPerPerson: WeightedTable.zipf(
    Array.from({ length: 250 }, (_, i) => i + 1),
    2.3,
  ),
  // Follower magnitude: [min, max] followers, weights as measured on the real posts.
  followers: new WeightedTable(
    [
      [1, 9],
      [10, 99],
      [100, 999],
      [1_000, 9_999],
      [10_000, 99_999],
      [100_000, 999_999],
      [1_000_000, 9_999_999],
      [10_000_000, 15_000_000],
    ],
    [2.7, 5, 10, 18, 31, 26, 7.5, 0.1],
  ),
};

/** Follower counts as Pinterest prints them: 437, 124k, 3M. */
export function formatFollowers(count: number): string {
  if (count < 1000) return String(count);
  if (count < 1_000_000) return `${Math.floor(count / 1000)}k`;
  return `${Math.floor(count / 1_000_000)}M`;
}

function skewedInstant(random: Random, from: number, to: number, skew: number): number {
  return from + Math.floor((Math.pow(random.next(), skew) * (to - from)) / 1000) * 1000;
}

function makePerson(random: Random): Person {
  return {
    first_name: random.weighted(tables.firstName),
    last_name: random.weighted(tables.lastName),
    age: random.weighted(tables.age),
    // The real join dates crowd towards the start of the range, the coordinates towards the south-west.
    date_joined: formatDateTime(skewedInstant(random, TIME.joinedFrom, TIME.joinedTo, 2.5)),
    latitude: Number((-90 + 180 * Math.pow(random.next(), 2.6)).toFixed(4)),
    longitude: Number((-180 + 360 * Math.pow(random.next(), 2.6)).toFixed(3)),
    country: random.weighted(tables.country),
  };
}

function makePoster(random: Random, category: Category): Poster {
  const [min, max] = random.weighted(tables.followers);
  const count = Math.floor(Math.exp(Math.log(min) + random.next() * (Math.log(max + 1) - Math.log(min))));
  const style = random.next();
  let name: string;
  if (style < 0.4) {
    name = `${random.weighted(tables.firstName)} ${random.weighted(tables.lastName)}`;
  } else if (style < 0.7) {
    name = `${random.pick(words.SUBJECTS[category]).split(" ")[0]} ${random.pick(words.POSTER_SUFFIXES)}`;
  } else if (style < 0.9) {
    name = `${random.pick(words.SITES)} | ${random.pick(words.POSTER_TAGLINES)}`;
  } else if (style < 0.97) {
    name = random.pick(words.SITES);
  } else {
    const emoji = random.pick(words.EMOJI);
    name = `${emoji}${random.pick(words.FIRST_NAMES).toLowerCase()}${random.pick(words.POSTER_SUFFIXES).toLowerCase()}${emoji}`;
  }
  if (random.chance(RATES.posterTrailingSpace)) name += " ";
  return { name, followerCount: formatFollowers(count) };
}

function makeTitle(random: Random, category: Category): string {
  const subject = random.pick(words.SUBJECTS[category]);
  const adjective = random.pick(words.TITLE_ADJECTIVES);
  const templates = [
    () => `${random.int(5, 50)} ${adjective} ${subject} Ideas`,
    () => `How to Choose ${subject}${random.pick(words.SEPARATORS)}${random.pick(words.SITES)}`,
    () => `${adjective} ${subject}`,
    () => `The Best ${subject} of ${random.int(2017, 2022)}`,
    () => `${subject} for Beginners`,
    () => `${subject}, ${adjective} and ${random.pick(words.TITLE_ADJECTIVES)}`,
    () => `${random.pick(words.SITES)}'s ${adjective} ${subject}`,
  ];
  let title = random.pick(templates)();
  if (random.chance(RATES.titleQuote)) title = `“${title}”`.replace("'s", "’s");
  if (random.chance(RATES.titleAccent)) title += ` à la ${random.pick(words.ACCENTED_WORDS)}`;
  if (random.chance(RATES.titleEmoji)) title += ` ${random.pick(words.EMOJI)}`;
  if (random.chance(RATES.titleNbsp)) title = title.replace(" ", "\u00a0");
  return title;
}

const DESCRIPTION_CUT = 179;

function makeDescription(random: Random, subjects: readonly string[]): string {
  const parts = [
    `${random.pick(words.DESCRIPTION_OPENINGS)} ${random.pick(subjects).toLowerCase()} ideas, ${random.pick(words.DESCRIPTION_CLAUSES)}.`,
  ];
  const sentences = random.int(1, 3);
  for (let i = 0; i < sentences; i++) {
    parts.push(`"${random.pick(subjects)}" ${random.pick(words.DESCRIPTION_CLAUSES)}.`);
  }
  parts.push(random.pick(words.DESCRIPTION_ENDINGS));
  if (random.chance(RATES.descriptionEmoji)) parts.push(random.pick(words.EMOJI));
  // Pinterest cuts long descriptions and appends an ellipsis and a no-break space.
  const truncated = random.chance(RATES.truncatedDescription);
  while (!truncated && parts.length > 2 && parts.join(" ").length > DESCRIPTION_CUT) parts.splice(1, 1);
  let description = parts.join(" ");
  if (truncated || description.length > DESCRIPTION_CUT) {
    description = `${description.slice(0, random.int(90, DESCRIPTION_CUT - 2)).trimEnd()}…\u00a0`;
  }
  if (random.chance(RATES.descriptionNewline)) description += "\n";
  else if (random.chance(RATES.descriptionTrailingSpace)) description += "  ";
  return description;
}

function makeTags(random: Random, subjects: readonly string[]): string {
  const count = random.chance(0.8) ? 9 : random.int(3, 8);
  const tags: string[] = [];
  for (let i = 0; i < count; i++) {
    const subject = random.pick(subjects);
    tags.push(
      random.chance(0.5) ? subject : `${random.pick(words.TITLE_ADJECTIVES)} ${subject.split(" ").pop()}`,
    );
  }
  return tags.join(",");
}

function imageUrl(random: Random, video: boolean): string {
  const hash = random.hex(32);
  const path = `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash.slice(4, 6)}/${hash}`;
  return video
    ? `https://i.pinimg.com/videos/thumbnails/originals/${path}.0000001.jpg`
    : `https://i.pinimg.com/originals/${path}.jpg`;
}

function makePin(random: Random, index: number, poster: Poster, category: Category): PinRow {
  const subjects = words.SUBJECTS[category];
  const kind = random.next();
  const story = kind < RATES.story;
  const video = !story && kind < RATES.story + RATES.video;
  const pin: PinRow = {
    index,
    unique_id: random.uuid(),
    title: makeTitle(random, category),
    description: makeDescription(random, subjects),
    poster_name: poster.name,
    follower_count: poster.followerCount,
    tag_list: makeTags(random, subjects),
    is_image_or_video: story ? "multi-video(story page format)" : video ? "video" : "image",
    image_src: imageUrl(random, story || video),
    downloaded: 1,
    save_location: `Local save in /data/${category}`,
    category,
  };
  if (story) {
    pin.description = PLACEHOLDERS.storyDescription;
    const placeholders = random.next();
    if (placeholders < RATES.storyAllPlaceholders) {
      Object.assign(pin, {
        title: PLACEHOLDERS.title,
        poster_name: PLACEHOLDERS.user,
        follower_count: PLACEHOLDERS.user,
        tag_list: PLACEHOLDERS.tags,
        image_src: PLACEHOLDERS.imageSrc,
      });
    } else if (placeholders < RATES.storyAllPlaceholders + RATES.storyImageError) {
      pin.image_src = PLACEHOLDERS.imageSrc;
    }
  } else {
    if (random.chance(RATES.noDescription)) pin.description = PLACEHOLDERS.description;
    if (random.chance(RATES.noTags)) pin.tag_list = PLACEHOLDERS.tags;
    if (random.chance(RATES.untitled)) pin.title = PLACEHOLDERS.untitled;
    else if (random.chance(RATES.emptyTitle)) pin.title = "";
  }
  if (pin.image_src === PLACEHOLDERS.imageSrc) pin.downloaded = 0;
  return pin;
}

/** `count` posts with keys 0..count-1, the same for the same seed, one at a time (memory stays small). */
export function* eachPost(count: number, seed: string | number): Generator<Post> {
  const random = new Random(`pinterest-posts:${seed}`);

  // People post a power-law number of times; their posts are spread over the keys at random.
  const people: Person[] = [];
  const slots: number[] = [];
  while (slots.length < count) {
    const person = people.push(makePerson(random)) - 1;
    const posts = Math.min(random.weighted(tables.postsPerPerson), count - slots.length);
    for (let i = 0; i < posts; i++) slots.push(person);
  }
  random.shuffle(slots);

  const posters = new Map<Category, Poster[]>();
  for (let index = 0; index < count; index++) {
    const category = random.pick(CATEGORIES);
    const known = posters.get(category) ?? [];
    posters.set(category, known);
    // About one post in three comes from a poster already seen in its category.
    const poster = known.length > 0 && random.chance(0.3) ? random.pick(known) : makePoster(random, category);
    if (!known.includes(poster)) known.push(poster);

    const person = people[slots[index]];
    const geo: GeoRow = {
      ind: index,
      timestamp: formatDateTime(skewedInstant(random, TIME.postedFrom, TIME.postedTo, 1)),
      latitude: person.latitude,
      longitude: person.longitude,
      country: person.country,
    };
    const user: UserRow = {
      ind: index,
      first_name: person.first_name,
      last_name: person.last_name,
      age: person.age,
      date_joined: person.date_joined,
    };
    yield { pin: makePin(random, index, poster, category), geo, user };
  }
}

export function generatePosts(count: number, seed: string | number): Post[] {
  return [...eachPost(count, seed)];
}
