// The pure parts of MWAA's plugins.zip: the requirements text, object keys, versions, which distributions ship,
// and the loader's refusals. Checked against the MWAA user guide, "Managing Python dependencies in
// requirements.txt" (option two: wheels in plugins.zip, `--find-links /usr/local/airflow/plugins` and
// `--no-index`, recommended for a private web server; the constraints file in the DAG folder, named as
// /usr/local/airflow/dags/<file>), and MWAA's image sources (github.com/aws/amazon-mwaa-docker-images
// images/airflow/3.0.6: python/mwaa/utils/user_requirements.py adds no constraints of its own when the file has
// a `--constraint` line, and the image runs Python 3.12).
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import versions from "../../versions.json";
import {
  committedFile,
  committedInputsDigest,
  constraintsFileName,
  constraintsObjectKey,
  distributionsToShip,
  imagePackagesFileName,
  loadMwaaPlugins,
  manylinuxPlatforms,
  mwaaRequirementsText,
  normalizeName,
  parsePins,
  parseWheelFileName,
  PINNED,
  pluginsInputsDigest,
} from "../../infra/mwaaPlugins";

describe("MWAA plugins: pure parts", () => {
  it("takes its versions from versions.json: Airflow, MWAA's Python 3.12 and the provider", () => {
    expect(PINNED).to.deep.equal({
      airflow: versions.mwaaAirflow,
      python: versions.mwaaPython,
      provider: versions.airflowProvidersDatabricks,
    });
    expect(versions.mwaaPython).to.equal("3.12");
  });

  const requirementsCases = [
    {
      v: { airflow: "3.0.6", python: "3.12", provider: "7.7.1" },
      text: [
        "--no-index",
        "--find-links /usr/local/airflow/plugins",
        '--constraint "/usr/local/airflow/dags/constraints-3.0.6-3.12.txt"',
        "apache-airflow-providers-databricks==7.7.1",
        "",
      ].join("\n"),
      key: "dags/constraints-3.0.6-3.12.txt",
    },
    {
      v: { airflow: "3.1.0", python: "3.13", provider: "7.8.0" },
      text: [
        "--no-index",
        "--find-links /usr/local/airflow/plugins",
        '--constraint "/usr/local/airflow/dags/constraints-3.1.0-3.13.txt"',
        "apache-airflow-providers-databricks==7.8.0",
        "",
      ].join("\n"),
      key: "dags/constraints-3.1.0-3.13.txt",
    },
  ];
  for (const { v, text, key } of requirementsCases) {
    it(`requirements.txt and constraints key for Airflow ${v.airflow} / Python ${v.python}`, () => {
      expect(mwaaRequirementsText(v)).to.equal(text);
      expect(constraintsObjectKey(v)).to.equal(key);
      expect(`/usr/local/airflow/${key}`).to.equal(
        /--constraint "([^"]+)"/.exec(mwaaRequirementsText(v))?.[1],
      );
    });
  }

  it("the committed constraints pin the provider of versions.json; the image list has Airflow and no provider", () => {
    expect(
      parsePins(committedFile(constraintsFileName(PINNED))).get("apache-airflow-providers-databricks"),
    ).to.equal(PINNED.provider);
    const image = parsePins(committedFile(imagePackagesFileName(PINNED)));
    expect(image.get("apache-airflow")).to.equal(PINNED.airflow);
    expect(image.has("apache-airflow-providers-databricks")).to.equal(false);
  });

  const names: [string, string][] = [
    ["Flask_SQLAlchemy", "flask-sqlalchemy"],
    ["openlineage_sql", "openlineage-sql"],
    ["zope.interface", "zope-interface"],
    ["apache-airflow", "apache-airflow"],
  ];
  for (const [raw, normalized] of names) {
    it(`normalizes ${raw} to ${normalized} (PEP 503)`, () => expect(normalizeName(raw)).to.equal(normalized));
  }

  it("parses pins, skipping comments and options, and rejects a line that is not a pin", () => {
    expect([...parsePins("# c\n\n--no-index\nFlask_SQLAlchemy==2.5.1\nthrift==0.16.0\n")]).to.deep.equal([
      ["flask-sqlalchemy", "2.5.1"],
      ["thrift", "0.16.0"],
    ]);
    expect(() => parsePins("thrift>=0.16\n")).to.throw("not a name==version pin");
  });

  const ships = [
    {
      what: "a distribution the image has at that version is not shipped",
      resolved: [{ name: "requests", version: "2.32.5" }],
      installed: [["requests", "2.32.5"]],
      ship: [],
    },
    {
      what: "one the image has at another version is shipped",
      resolved: [{ name: "aiohttp", version: "3.12.15" }],
      installed: [["aiohttp", "3.11.0"]],
      ship: [{ name: "aiohttp", version: "3.12.15" }],
    },
    {
      what: "one the image lacks is shipped; names compare normalized; output sorted",
      resolved: [
        { name: "thrift", version: "0.16.0" },
        { name: "Flask_SQLAlchemy", version: "2.5.1" },
        { name: "apache-airflow-providers-databricks", version: "7.7.1" },
      ],
      installed: [["flask-sqlalchemy", "2.5.1"]],
      ship: [
        { name: "apache-airflow-providers-databricks", version: "7.7.1" },
        { name: "thrift", version: "0.16.0" },
      ],
    },
  ];
  for (const { what, resolved, installed, ship } of ships) {
    it(what, () => {
      expect(distributionsToShip(resolved, new Map(installed as [string, string][]))).to.deep.equal(ship);
    });
  }

  const wheels: [string, { name: string; version: string } | null][] = [
    ["thrift-0.16.0-py3-none-any.whl", { name: "thrift", version: "0.16.0" }],
    [
      "pandas-2.1.4-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
      { name: "pandas", version: "2.1.4" },
    ],
    ["pkg-1.0-1build-py3-none-any.whl", { name: "pkg", version: "1.0" }],
    ["thrift-0.16.0.tar.gz", null],
    ["thrift-0.16.0.whl", null],
  ];
  for (const [file, expected] of wheels) {
    it(`wheel file name ${file}`, () => {
      if (expected) expect(parseWheelFileName(file)).to.deep.equal(expected);
      else expect(() => parseWheelFileName(file)).to.throw("is not a wheel file name");
    });
  }

  it("targets every manylinux up to glibc 2.34 (Amazon Linux 2023, MWAA's system bill of materials)", () => {
    const platforms = manylinuxPlatforms();
    expect(platforms[0]).to.equal("manylinux_2_34_x86_64");
    expect(platforms).to.include.members([
      "manylinux_2_28_x86_64",
      "manylinux_2_17_x86_64",
      "manylinux2014_x86_64",
    ]);
    expect(platforms).not.to.include("manylinux_2_35_x86_64");
    expect(manylinuxPlatforms(17)).to.deep.equal([
      "manylinux_2_17_x86_64",
      "manylinux2014_x86_64",
      "manylinux2010_x86_64",
      "manylinux1_x86_64",
    ]);
  });

  it("the inputs digest changes with each input", () => {
    const base = pluginsInputsDigest(PINNED, "c", "i");
    expect(pluginsInputsDigest(PINNED, "c", "i")).to.equal(base);
    expect(pluginsInputsDigest({ ...PINNED, provider: "7.7.2" }, "c", "i")).not.to.equal(base);
    expect(pluginsInputsDigest(PINNED, "c2", "i")).not.to.equal(base);
    expect(pluginsInputsDigest(PINNED, "c", "i2")).not.to.equal(base);
  });
});

describe("MWAA plugins: the program's loader refuses what it cannot deploy", () => {
  let dir: string;
  const providerWheel = `apache_airflow_providers_databricks-${PINNED.provider}-py3-none-any.whl`;
  const write = (manifest: object | undefined, zip = true) => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    if (zip) writeFileSync(path.join(dir, "plugins.zip"), "zip");
    if (manifest) writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  };
  const good = () => ({ ...PINNED, wheels: [providerWheel], inputsDigest: committedInputsDigest() });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mwaa-plugins-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("loads a build of the pinned versions", () => {
    write(good());
    const plugins = loadMwaaPlugins(dir);
    expect(plugins.zipFile).to.equal(path.join(dir, "plugins.zip"));
    expect(plugins.requirements).to.equal(mwaaRequirementsText(PINNED));
  });

  const refusals: [string, () => void, string][] = [
    ["nothing built", () => write(undefined, false), "is not built in"],
    ["a manifest without its zip", () => write(good(), false), "is not built in"],
    ["another provider version", () => write({ ...good(), provider: "7.0.0" }), "was built for"],
    ["another Python", () => write({ ...good(), python: "3.11" }), "was built for"],
    [
      "stale constraints",
      () => write({ ...good(), inputsDigest: "0" }),
      "other constraints or image packages",
    ],
    ["no provider wheel", () => write({ ...good(), wheels: ["thrift-0.16.0-py3-none-any.whl"] }), "has no"],
  ];
  for (const [what, setup, message] of refusals) {
    it(`refuses ${what}, in one line naming the build command`, () => {
      setup();
      expect(() => loadMwaaPlugins(dir))
        .to.throw(message)
        .with.property("message")
        .that.matches(/^[^\n]*run `npm run build:mwaa-plugins` before `pulumi up`$/);
    });
  }
});
