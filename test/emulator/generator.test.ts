// The generator: deterministic per seed, and calibrated on the facts of docs/contract.md section 1.
import { expect } from "chai";
import { PLACEHOLDERS } from "../../contract";
import { formatFollowers, generatePosts } from "../../emulator/generator";
import { CATEGORIES } from "../../emulator/vocabulary";
import type { Post } from "../../emulator/rows";

const N = 11_154;

describe("emulator generator", function () {
  this.timeout(60_000);
  let posts: Post[];
  before(() => {
    posts = generatePosts(N, 42);
  });
  const share = (test: (post: Post) => boolean) => posts.filter(test).length / N;

  it("is deterministic for a seed and differs between seeds", () => {
    expect(generatePosts(N, 42)).to.deep.equal(posts);
    expect(generatePosts(300, "a")).to.deep.equal(generatePosts(300, "a"));
    expect(generatePosts(300, "a")).not.to.deep.equal(generatePosts(300, "b"));
  });

  it("gives one row per post in each table with keys 0..N-1", () => {
    expect(posts.map((post) => post.pin.index)).to.deep.equal([...Array(N).keys()]);
    expect(
      posts.every((post) => post.geo.ind === post.pin.index && post.user.ind === post.pin.index),
    ).to.equal(true);
    expect(new Set(posts.map((post) => post.pin.unique_id)).size).to.equal(N);
    expect(
      posts.every((post) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(post.pin.unique_id),
      ),
    ).to.equal(true);
  });

  it("keeps values within the measured ranges", () => {
    const ages = posts.map((post) => post.user.age);
    expect(Math.min(...ages)).to.equal(20);
    expect(Math.max(...ages)).to.equal(60);
    for (const post of posts) {
      expect(post.user.date_joined >= "2015-10-21" && post.user.date_joined <= "2017-10-21").to.equal(true);
      expect(post.geo.timestamp >= "2017-10-19" && post.geo.timestamp <= "2022-10-20").to.equal(true);
      expect(post.geo.timestamp).to.match(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(Math.abs(post.geo.latitude)).to.be.at.most(90);
      expect(Math.abs(post.geo.longitude)).to.be.at.most(180);
      expect(post.pin.save_location).to.equal(`Local save in /data/${post.pin.category}`);
    }
    expect(new Set(posts.map((post) => post.pin.category))).to.deep.equal(new Set(CATEGORIES));
    const countries = new Set(posts.map((post) => post.geo.country)).size;
    expect(countries).to.be.within(200, 243);
  });

  it("reuses people: about 5,300 distinct people for 11,154 posts, each with one age and one place", () => {
    const people = new Map<string, string>();
    for (const { user, geo } of posts) {
      const person = `${user.first_name}|${user.last_name}|${user.date_joined}`;
      const traits = `${user.age}|${geo.country}|${geo.latitude}|${geo.longitude}`;
      expect(people.get(person) ?? traits).to.equal(traits);
      people.set(person, traits);
    }
    expect(people.size).to.be.within(4_300, 6_300);
  });

  it("mixes images, stories and videos and places the placeholders at the measured rates", () => {
    expect(share((post) => post.pin.is_image_or_video === "image")).to.be.within(0.87, 0.93);
    expect(share((post) => post.pin.is_image_or_video === "multi-video(story page format)")).to.be.within(
      0.055,
      0.085,
    );
    expect(share((post) => post.pin.is_image_or_video === "video")).to.be.within(0.02, 0.04);
    expect(share((post) => post.pin.poster_name === PLACEHOLDERS.user)).to.be.within(0.004, 0.012);
    expect(share((post) => post.pin.image_src === PLACEHOLDERS.imageSrc)).to.be.within(0.017, 0.032);
    for (const { pin } of posts) {
      expect(pin.follower_count === PLACEHOLDERS.user).to.equal(pin.poster_name === PLACEHOLDERS.user);
      expect(pin.downloaded === 0).to.equal(pin.image_src === PLACEHOLDERS.imageSrc);
      if (pin.is_image_or_video.startsWith("multi-video"))
        expect(pin.description).to.equal(PLACEHOLDERS.storyDescription);
    }
    expect(share((post) => post.pin.title === PLACEHOLDERS.title)).to.be.greaterThan(0);
    expect(share((post) => post.pin.tag_list === PLACEHOLDERS.tags)).to.be.within(0.005, 0.02);
    expect(share((post) => post.pin.description === PLACEHOLDERS.description)).to.be.within(0.008, 0.025);
  });

  it("writes follower counts in all their text forms, up to 15M", () => {
    const forms = new Set(posts.map((post) => post.pin.follower_count.replace(/\d+/, "N")));
    expect(forms).to.deep.equal(new Set(["N", "Nk", "NM", PLACEHOLDERS.user]));
    const millions = posts
      .map((post) => /^(\d+)M$/.exec(post.pin.follower_count))
      .filter(Boolean)
      .map((match) => Number(match![1]));
    expect(Math.max(...millions)).to.be.at.most(15);
    expect(formatFollowers(437)).to.equal("437");
    expect(formatFollowers(124_500)).to.equal("124k");
    expect(formatFollowers(3_200_000)).to.equal("3M");
  });

  it("writes real-world text: emoji, accents, quotes, commas, newlines, NBSP", () => {
    const texts = posts.flatMap(({ pin }) => [pin.title, pin.description, pin.poster_name]);
    const some = (pattern: RegExp) => texts.filter((text) => pattern.test(text)).length;
    expect(some(/\p{Extended_Pictographic}/u)).to.be.greaterThan(50);
    expect(some(/[àâçéèêëîïôûùüÿñæœÀ-ÿ]/)).to.be.greaterThan(50);
    expect(some(/["“”’']/)).to.be.greaterThan(100);
    expect(some(/,/)).to.be.greaterThan(100);
    expect(some(/\n/)).to.be.greaterThan(20);
    expect(share((post) => post.pin.description.endsWith("\u00a0"))).to.be.within(0.25, 0.5);
  });
});
