// A small interpreter of the API Gateway mapping-template (Velocity) subset our templates use:
// references with properties and method calls ($input.path/json/params, $util.base64Encode,
// $util.escapeJavaScript, the Java string methods replaceAll and matches, $foreach.index, $foreach.hasNext, loop
// variables), single- and double-quoted (interpolated) string arguments, #foreach($x in ...) ... #end,
// #if(...) ... #else ... #end and #set($context.<path> = <integer>) (a response override). Anything else is an
// error, so a template that strays from the subset fails its test instead of passing unchecked.

export interface VtlRequest {
  body: string;
  pathParams?: Record<string, string>;
  queryParams?: Record<string, string>;
  headers?: Record<string, string>;
  /** `$context`, where #set writes overrides (e.g. responseOverride.status). */
  context?: Record<string, unknown>;
}

type Node =
  | { kind: "text"; text: string }
  | { kind: "ref"; ref: Ref }
  | { kind: "foreach"; variable: string; source: Ref; body: Node[] }
  | { kind: "if"; condition: Ref; then: Node[]; otherwise: Node[] }
  | { kind: "set"; target: Ref; value: number };

type Arg =
  | { kind: "literal"; value: string | number }
  | { kind: "interpolated"; nodes: Node[] }
  | { kind: "ref"; ref: Ref };
interface Ref {
  root: string;
  steps: { name: string; args?: Arg[] }[];
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parse(): Node[] {
    const { nodes, end } = this.block([]);
    if (end !== undefined) throw new Error(`unexpected #${end} at ${this.pos}`);
    return nodes;
  }

  private block(terminators: string[]): { nodes: Node[]; end?: string } {
    const nodes: Node[] = [];
    let text = "";
    const flush = () => {
      if (text) nodes.push({ kind: "text", text });
      text = "";
    };
    while (this.pos < this.src.length) {
      const rest = this.src.slice(this.pos);
      const directive = /^#(foreach|if|else|end|set)\b/.exec(rest);
      if (directive) {
        flush();
        const name = directive[1];
        this.pos += directive[0].length;
        if (terminators.includes(name)) return { nodes, end: name };
        if (name === "foreach") {
          const header = /^\(\$([A-Za-z]\w*) in /.exec(this.src.slice(this.pos));
          if (!header) throw new Error(`bad #foreach at ${this.pos}`);
          this.pos += header[0].length;
          const source = this.ref();
          this.expect(")");
          const body = this.block(["end"]);
          if (body.end !== "end") throw new Error("#foreach without #end");
          nodes.push({ kind: "foreach", variable: header[1], source, body: body.nodes });
        } else if (name === "if") {
          this.expect("(");
          const condition = this.ref();
          this.expect(")");
          const then = this.block(["else", "end"]);
          let otherwise: Node[] = [];
          if (then.end === "else") {
            const rest = this.block(["end"]);
            if (rest.end !== "end") throw new Error("#else without #end");
            otherwise = rest.nodes;
          } else if (then.end !== "end") throw new Error("#if without #end");
          nodes.push({ kind: "if", condition, then: then.nodes, otherwise });
        } else if (name === "set") {
          this.expect("(");
          const target = this.ref();
          const assigned = /^ = ([0-9]+)\)\n?/.exec(this.src.slice(this.pos));
          if (target.root !== "context" || !assigned)
            throw new Error(`unsupported #set at ${this.pos}: only #set($context.<path> = <integer>)`);
          this.pos += assigned[0].length;
          nodes.push({ kind: "set", target, value: Number(assigned[1]) });
        } else throw new Error(`unexpected #${name} at ${this.pos}`);
        continue;
      }
      if (/^\$[A-Za-z]/.test(rest)) {
        flush();
        nodes.push({ kind: "ref", ref: this.ref() });
        continue;
      }
      if (rest.startsWith("#") && /^#[A-Za-z{]/.test(rest))
        throw new Error(`unsupported directive at ${this.pos}: ${rest.slice(0, 20)}`);
      text += this.src[this.pos];
      this.pos += 1;
    }
    flush();
    return { nodes };
  }

  private expect(token: string): void {
    if (!this.src.startsWith(token, this.pos))
      throw new Error(`expected "${token}" at ${this.pos}: ${this.src.slice(this.pos, this.pos + 20)}`);
    this.pos += token.length;
  }

  private ident(): string {
    const match = /^[A-Za-z]\w*/.exec(this.src.slice(this.pos));
    if (!match) throw new Error(`expected a name at ${this.pos}`);
    this.pos += match[0].length;
    return match[0];
  }

  private ref(): Ref {
    this.expect("$");
    const ref: Ref = { root: this.ident(), steps: [] };
    while (/^\.[A-Za-z]/.test(this.src.slice(this.pos))) {
      this.pos += 1;
      const name = this.ident();
      if (this.src[this.pos] === "(") {
        this.pos += 1;
        ref.steps.push({ name, args: this.args() });
      } else ref.steps.push({ name });
    }
    return ref;
  }

  private args(): Arg[] {
    const args: Arg[] = [];
    for (;;) {
      while (this.src[this.pos] === " ") this.pos += 1;
      const c = this.src[this.pos];
      if (c === ")") {
        this.pos += 1;
        return args;
      }
      if (c === ",") this.pos += 1;
      else if (c === "'" || c === '"') {
        const close = this.src.indexOf(c, this.pos + 1);
        const raw = this.src.slice(this.pos + 1, close);
        this.pos = close + 1;
        args.push(
          c === "'"
            ? { kind: "literal", value: raw }
            : { kind: "interpolated", nodes: new Parser(raw).parse() },
        );
      } else if (c === "$") args.push({ kind: "ref", ref: this.ref() });
      else if (/[0-9]/.test(c)) {
        const match = /^[0-9]+/.exec(this.src.slice(this.pos)) as RegExpExecArray;
        this.pos += match[0].length;
        args.push({ kind: "literal", value: Number(match[0]) });
      } else throw new Error(`bad argument at ${this.pos}: ${this.src.slice(this.pos, this.pos + 20)}`);
    }
  }
}

/**
 * `$util.escapeJavaScript`: Apache Commons Lang's StringEscapeUtils.escapeJavaScript, which API Gateway's `$util`
 * reference names: `"`, `'`, `\\` and `/` get a backslash, control characters their short escape or \\uXXXX, and
 * every character above 0x7f a \\uXXXX escape.
 */
export function escapeJavaScript(text: string): string {
  const short: Record<string, string> = { "\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r" };
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "'" || ch === "\\" || ch === "/") out += `\\${ch}`;
    else if (short[ch]) out += short[ch];
    else if (code < 0x20 || code > 0x7f) {
      // Java strings are UTF-16: a character above 0xffff is escaped as its two surrogates.
      for (const unit of ch.length === 2 ? [ch.charCodeAt(0), ch.charCodeAt(1)] : [code])
        out += `\\u${unit.toString(16).toUpperCase().padStart(4, "0")}`;
    } else out += ch;
  }
  return out;
}

/** `$`, `$.a.b`, `$.a[0].b`, `$['a']` against a parsed JSON body. */
export function jsonPath(root: unknown, path: string): unknown {
  if (!path.startsWith("$")) throw new Error(`JSONPath "${path}" must start with $`);
  const tokens = [...path.slice(1).matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]|\['([^']+)'\]/g)];
  if (tokens.map((token) => token[0]).join("") !== path.slice(1))
    throw new Error(`unsupported JSONPath "${path}"`);
  return tokens.reduce<unknown>((value, token) => {
    if (value === undefined || value === null) return undefined;
    const key = token[1] ?? token[3] ?? Number(token[2]);
    return (value as Record<string | number, unknown>)[key];
  }, root);
}

/** How Velocity prints a value: Java's toString, so a map prints as {k=v} (not JSON). */
function print(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return `[${value.map(print).join(", ")}]`;
  if (typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}=${print(v)}`)
      .join(", ")}}`;
  return String(value);
}

interface Frame {
  index: number;
  hasNext: boolean;
  count: number;
}

export function renderVtl(template: string, request: VtlRequest): string {
  const body: unknown = request.body.trim() === "" ? {} : JSON.parse(request.body);
  const vars = new Map<string, unknown>();
  const loops: Frame[] = [];
  const lowerHeaders = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const input = {
    path: (path: string) => jsonPath(body, path),
    json: (path: string) => JSON.stringify(jsonPath(body, path)) ?? "",
    params: (name: string) =>
      request.pathParams?.[name] ?? request.queryParams?.[name] ?? lowerHeaders[name.toLowerCase()] ?? "",
  };
  const context = request.context ?? {};
  const util = {
    base64Encode: (text: unknown) => Buffer.from(print(text), "utf8").toString("base64"),
    escapeJavaScript: (text: unknown) => escapeJavaScript(print(text)),
  };
  /** java.lang.String methods the templates call, with Java's regular-expression semantics. */
  const stringMethods: Record<string, (self: string, ...args: unknown[]) => unknown> = {
    replaceAll: (self, regex, replacement) =>
      self.replace(new RegExp(String(regex), "g"), String(replacement)),
    matches: (self, regex) => new RegExp(`^(?:${String(regex)})$`).test(self),
  };

  const arg = (a: Arg): unknown =>
    a.kind === "literal" ? a.value : a.kind === "ref" ? evaluate(a.ref) : render(a.nodes);
  const evaluate = (ref: Ref): unknown => {
    let value: unknown;
    if (ref.root === "input") value = input;
    else if (ref.root === "util") value = util;
    else if (ref.root === "foreach") value = loops[loops.length - 1];
    else if (ref.root === "context") value = context;
    else if (vars.has(ref.root)) value = vars.get(ref.root);
    else throw new Error(`unknown reference $${ref.root}`);
    for (const step of ref.steps) {
      const target = value as Record<string, unknown> | undefined;
      if (step.args && typeof value === "string") {
        const method = stringMethods[step.name];
        if (!method) throw new Error(`$${ref.root}: no string method ${step.name}()`);
        value = method(value, ...step.args.map(arg));
      } else if (step.args) {
        const method = target?.[step.name];
        if (typeof method !== "function") throw new Error(`$${ref.root}: no method ${step.name}()`);
        value = (method as (...args: unknown[]) => unknown)(...step.args.map(arg));
      } else value = target?.[step.name];
    }
    return value;
  };
  const render = (nodes: Node[]): string =>
    nodes
      .map((node) => {
        switch (node.kind) {
          case "text":
            return node.text;
          case "set": {
            const path = node.target.steps.map((step) => step.name);
            let at = context;
            for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
            at[path[path.length - 1]] = node.value;
            return "";
          }
          case "ref":
            return print(evaluate(node.ref));
          case "if": {
            const value = evaluate(node.condition);
            return render(
              value !== undefined && value !== null && value !== false ? node.then : node.otherwise,
            );
          }
          case "foreach": {
            const items = evaluate(node.source);
            const list = Array.isArray(items) ? items : [];
            let out = "";
            list.forEach((item, index) => {
              vars.set(node.variable, item);
              loops.push({ index, hasNext: index < list.length - 1, count: index + 1 });
              out += render(node.body);
              loops.pop();
            });
            vars.delete(node.variable);
            return out;
          }
        }
      })
      .join("");
  return render(new Parser(template).parse());
}
