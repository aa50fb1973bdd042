import { describe, expect, it } from "vitest";
import { askThen } from "../src/lib/confirm";
import { withFlags, withRole } from "../src/features/environments/EnvironmentForm";
import { toIpcError, errorTitle } from "../src/lib/errors";
import { formatAge, formatPercent, isoDatePlus, parseTags, splitList } from "../src/lib/format";
import { isFailing, worst } from "../src/lib/status";
import { DEFAULT_FILTERS, pagesFor, toQuery } from "../src/features/matrix/query";
import { sameRow } from "../src/features/matrix/MatrixTable";
import { foldProgress, stopUnfinished } from "../src/features/environments/progress";
import { validateException } from "../src/features/exceptions/ExceptionForm";
import { filterExceptions } from "../src/features/exceptions/ExceptionsScreen";
import type { ExceptionViewDto } from "../src/bindings";

describe("errors", () => {
  it("keeps typed errors and wraps everything else as internal", () => {
    expect(toIpcError({ code: "not_found", message: "no env" })).toEqual({ code: "not_found", message: "no env" });
    expect(toIpcError("boom")).toEqual({ code: "internal", message: "boom" });
    expect(toIpcError({ code: "weird", message: "x" }).code).toBe("internal");
    expect(errorTitle({ code: "keyring", message: "" })).toMatch(/keyring/i);
  });
});

describe("statuses", () => {
  it("orders like the engine", () => {
    expect(worst("same", "drift")).toBe("drift");
    expect(worst("missing", "drift")).toBe("drift");
    expect(worst("intentional", "expired")).toBe("expired");
    expect(isFailing("violated")).toBe(true);
    expect(isFailing("intentional")).toBe(false);
    expect(isFailing(null)).toBe(false);
  });
});

describe("matrix query", () => {
  it("defaults to unexplained drift only", () => {
    expect(toQuery(DEFAULT_FILTERS)).toEqual({
      statuses: [],
      categories: [],
      kinds: [],
      pair: null,
      search: null,
      tag: null,
      unexplained_only: true,
    });
  });
  it("maps filters to the Rust query", () => {
    const q = toQuery({ ...DEFAULT_FILTERS, pair: "staging,prod", kind: "ec2.instance", search: "  api ", tag: "Team=x" });
    expect(q.pair).toEqual(["staging", "prod"]);
    expect(q.kinds).toEqual(["ec2.instance"]);
    expect(q.search).toBe("api");
    expect(q.tag).toBe("Team=x");
  });
  it("sends only categories Rust knows", () => {
    expect(toQuery({ ...DEFAULT_FILTERS, category: "security" }).categories).toEqual(["security"]);
    expect(toQuery({ ...DEFAULT_FILTERS, category: "colour" }).categories).toEqual([]);
  });
  it("computes the pages a visible range needs", () => {
    expect(pagesFor(0, 10)).toEqual([0]);
    expect(pagesFor(190, 410)).toEqual([0, 1, 2]);
    expect(pagesFor(5, 2)).toEqual([]);
  });
});

describe("format", () => {
  it("formats ages, percents, dates, lists and tags", () => {
    expect(formatAge(0.5)).toBe("30 min");
    expect(formatAge(26)).toBe("26 h");
    expect(formatAge(72)).toBe("3 d");
    expect(formatPercent(0.9876)).toBe("98.7%");
    expect(isoDatePlus(30, new Date(Date.UTC(2026, 0, 15)))).toBe("2026-02-14");
    expect(splitList(" a, b  c,,")).toEqual(["a", "b", "c"]);
    expect(parseTags("Environment=prod\nbad\nTeam = x")).toEqual({ Environment: "prod", Team: "x" });
  });
});

describe("collection progress", () => {
  it("keeps one line per environment and unit", () => {
    let lines = foldProgress([], { environment: "prod", region: "us-east-1", service: "ec2", kind: "ec2.vpc", phase: "started", count: null, reason: null });
    lines = foldProgress(lines, { environment: "prod", region: "us-east-1", service: "ec2", kind: "ec2.vpc", phase: "done", count: 3, reason: null });
    lines = foldProgress(lines, { environment: "prod", region: null, service: "rds", kind: "rds.db_instance", phase: "failed", count: null, reason: "AccessDenied" });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ unit: "ec2.vpc (us-east-1)", phase: "done", count: 3 });
    expect(lines[1]).toMatchObject({ phase: "failed", reason: "AccessDenied" });
  });
});

describe("exceptions", () => {
  const base = {
    id: null,
    resource: "rds.db_instance/orders-db",
    attribute: "multi_az",
    environments: ["prod"],
    expected: {},
    justification: "Prod needs redundancy",
    owner: "platform",
    expires: "2027-01-01",
    ticket: null,
  };
  it("requires a justification, an owner and an environment", () => {
    expect(validateException(base)).toBeNull();
    expect(validateException({ ...base, justification: "  " })).toMatch(/justification/);
    expect(validateException({ ...base, owner: "" })).toMatch(/owner/);
    expect(validateException({ ...base, environments: [] })).toMatch(/environment/);
    expect(validateException({ ...base, expires: "01/02/2027" })).toMatch(/YYYY-MM-DD/);
  });
  it("filters by standing; active includes expiring", () => {
    const v = (id: string, standing: string): ExceptionViewDto => ({
      rule: { ...base, id, expected: {}, elements: [], created: null },
      standing,
      rows_covered: 1,
      version: 1,
    });
    const list = [v("alpha", "active"), v("bravo", "expiring"), v("charlie", "expired"), v("zulu-x", "violated")];
    expect(filterExceptions(list, "active", "").map((x) => x.rule.id)).toEqual(["alpha", "bravo"]);
    expect(filterExceptions(list, "expiring", "").map((x) => x.rule.id)).toEqual(["bravo"]);
    expect(filterExceptions(list, "all", "ZULU").map((x) => x.rule.id)).toEqual(["zulu-x"]);
  });
});

describe("confirmation", () => {
  it("runs the action only when the user says OK, and waits for the answer", async () => {
    let ran = 0;
    const asked: string[] = [];
    const no = async (q: string) => {
      asked.push(q);
      return false;
    };
    expect(await askThen("Delete x?", "Delete", () => ran++, no)).toBe(false);
    expect(ran).toBe(0);
    expect(await askThen("Delete y?", "Delete", () => ran++, async () => true)).toBe(true);
    expect(ran).toBe(1);
    expect(asked).toEqual(["Delete x?"]);
  });
});

describe("environment form", () => {
  it("fills feature-flag settings from nothing and keeps the rest when one field changes", () => {
    expect(withFlags(null, { table: "flags" })).toEqual({ table: "flags", environment_attribute: "", name_attribute: "" });
    const set = { table: "flags", environment_attribute: "env", name_attribute: "flag" };
    expect(withFlags(set, { name_attribute: "name" })).toEqual({ ...set, name_attribute: "name" });
  });

  it("fills the assumed role from nothing and keeps the rest when one field changes", () => {
    const arn = "arn:aws:iam::111122223333:role/EnvParityReadOnly";
    expect(withRole(null, { role_arn: arn })).toEqual({ role_arn: arn, external_id: "", session_name: "" });
    const set = { role_arn: arn, external_id: "shop", session_name: "" };
    expect(withRole(set, { session_name: "ci" })).toEqual({ ...set, session_name: "ci" });
  });
});

describe("a collection that does not finish", () => {
  it("marks the units still running as stopped and keeps finished ones", () => {
    const lines = [
      { environment: "prod", unit: "ec2", phase: "done", count: 3, reason: null },
      { environment: "prod", unit: "rds", phase: "started", count: null, reason: null },
      { environment: "prod", unit: "ssm", phase: "progress", count: 50, reason: null },
      { environment: "prod", unit: "lambda", phase: "failed", count: null, reason: "denied" },
    ];
    expect(stopUnfinished(lines).map((l) => l.phase)).toEqual(["done", "stopped", "stopped", "failed"]);
  });
});

describe("matrix rows", () => {
  it("re-render only when what they show changes", () => {
    const cells = [{ status: "drift", value: "t3.large" }];
    const original = { pos: 4, key: "ec2.instance/api", attribute: "instance_type", status: "drift", groupStart: true, cells };
    const props = (o: object, extra: object = {}) =>
      ({ row: { original: { ...original, ...o } }, defs: DEFS, start: 120, gridTemplate: "1fr", selected: false, named: true, onActivate: NOOP, ...extra }) as unknown as Parameters<typeof sameRow>[0];
    // a re-fetched page: new objects, same content
    expect(sameRow(props({}), props({}))).toBe(true);
    expect(sameRow(props({}), props({ status: "intentional" }))).toBe(false);
    // a baseline chosen or cleared re-renders the rows it marks
    expect(sameRow(props({}), props({ baselined: true }))).toBe(false);
    expect(sameRow(props({}), props({ cells: [...cells] }))).toBe(false);
    expect(sameRow(props({}), props({}, { selected: true }))).toBe(false);
    expect(sameRow(props({}), props({}, { start: 150 }))).toBe(false);
  });
});
const DEFS = {};
const NOOP = () => {};
