// The test's own implementation of the cleaning rules used as the oracle of the end-to-end test must itself be right.
import { expect } from "chai";
import { ageGroup, cleanText, expectedGold, followerCount, median } from "./expected-gold";

describe("end-to-end oracle (docs/contract.md sections 4-5 in TypeScript)", () => {
  it("cleans text and follower counts", () => {
    expect(cleanText("\u00a0 Travel tips \n")).to.equal("Travel tips");
    expect(cleanText(" \u00a0")).to.equal(null);
    expect([
      followerCount("532"),
      followerCount("12k"),
      followerCount("1.5k"),
      followerCount("3M"),
      followerCount("2.25M"),
    ]).to.deep.equal([532, 12_000, 1_500, 3_000_000, 2_250_000]);
    expect([followerCount("User Info Error"), followerCount(""), followerCount("12x")]).to.deep.equal([
      null,
      null,
      null,
    ]);
  });

  it("groups ages and takes exact medians", () => {
    expect([17, 18, 24, 25, 35, 36, 50, 51].map(ageGroup)).to.deep.equal([
      null,
      "18-24",
      "18-24",
      "25-35",
      "25-35",
      "36-50",
      "36-50",
      "+50",
    ]);
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([7])]).to.deep.equal([2, 2.5, 7]);
  });

  it("answers the gold queries on a hand-made example", () => {
    const pin = (index: number, category: string, poster: string, followers: string) => ({
      index,
      category,
      poster_name: poster,
      follower_count: followers,
    });
    const geo = (ind: number, country: string, timestamp: string) => ({
      ind,
      country,
      timestamp,
      latitude: 0,
      longitude: 0,
    });
    const user = (ind: number, first: string, age: number, joined: string) => ({
      ind,
      first_name: first,
      last_name: "X",
      age,
      date_joined: joined,
    });
    const gold = expectedGold({
      pin: [
        pin(1, "art", "A", "10k"),
        pin(2, "travel", "B", "2k"),
        pin(3, "travel", "C", "User Info Error"),
        pin(4, "art", "D", "10k"),
      ],
      geo: [
        geo(1, "Chad", "2019-01-01 00:00:00"),
        geo(2, "Chad", "2019-05-05 00:00:00"),
        geo(3, "Peru", "2017-01-01 00:00:00"),
        geo(4, "Peru", "2020-01-01T10:00:00"),
      ],
      user: [
        user(1, "Ann", 20, "2015-10-24 11:23:51"),
        user(2, "Bo", 40, "2016-01-01 00:00:00"),
        user(3, "Ann", 20, "2015-10-24 11:23:51"),
        user(4, "Cy", 60, "2021-01-01 00:00:00"),
      ],
    });
    expect(gold.popular_category_by_country).to.have.deep.members([
      { country: "Chad", category: "art", category_count: 1 },
      { country: "Peru", category: "art", category_count: 1 },
    ]);
    expect(gold.popular_category_by_year).to.have.deep.members([
      { post_year: 2019, category: "art", category_count: 1 },
      { post_year: 2020, category: "art", category_count: 1 },
    ]);
    expect(gold.most_followed_user_by_country).to.have.deep.members([
      { country: "Chad", poster_name: "A", follower_count: 10_000 },
      { country: "Peru", poster_name: "D", follower_count: 10_000 },
    ]);
    expect(gold.country_with_most_followed_user).to.deep.equal([{ country: "Chad", follower_count: 10_000 }]);
    expect(gold.users_joined_by_year).to.have.deep.members([
      { post_year: 2015, number_users_joined: 1 },
      { post_year: 2016, number_users_joined: 1 },
    ]);
    expect(gold.median_followers_by_age_group).to.have.deep.members([
      { age_group: "18-24", median_follower_count: 10_000 },
      { age_group: "36-50", median_follower_count: 2_000 },
      { age_group: "+50", median_follower_count: 10_000 },
    ]);
    expect(gold.median_followers_by_join_year).to.have.deep.members([
      { post_year: 2015, median_follower_count: 10_000 },
      { post_year: 2016, median_follower_count: 2_000 },
    ]);
  });
});
